package rsarl.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.model.Generator;
import rsarl.model.QwenModel;
import rsarl.model.SamplingParams;
import rsarl.trainer.config.LoraConfig;
import rsarl.trainer.loop.CheckpointManager;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainer's view of the Qwen model agrees with the sampler, for full fine-tuning and for LoRA. */
class QwenPolicyTest {
    private static final List<int[]> PROMPTS = List.of(new int[] {5, 9, 3}, new int[] {7}, new int[] {1, 2, 3, 4, 5, 6});

    private static List<Completion> sample(QwenModel model) {
        List<GenerationRequest> reqs = new java.util.ArrayList<>();
        for (int i = 0; i < PROMPTS.size(); i++) {
            reqs.add(new GenerationRequest(PROMPTS.get(i), SamplingParams.of(1.0, 1.0, 6), 100 + i));
        }
        return new Generator(model).generate(reqs);
    }

    /** Mean |sampler log-prob - trainer log-prob| over the completion tokens. */
    private static double mismatch(Policy policy, List<Completion> cs) {
        TokenBatch tb = TokenBatch.build(PROMPTS, cs.stream().map(Completion::tokenIds).toList(), 0, null, false);
        try (NDScope scope = new NDScope(); NDManager m = NDManager.newBaseManager()) {
            NDArray logp = tb.completionLogprobs(policy.logits(tb), tb.inputIds(m), 1.0);
            NDArray sampler = tb.perToken(m, cs.stream().map(Completion::logprobs).toList());
            return TokenBatch.maskedMeanAbsDiff(logp, sampler, tb.completionMask(m));
        }
    }

    @Test
    void samplerAndTrainerLogprobsAgree(@TempDir Path dir) throws Exception {
        QwenModel.initRandom("tiny", 64, List.of(63), 3, dir.resolve("m"));
        try (QwenModel model = QwenModel.load(dir.resolve("m"))) {
            List<Completion> cs = sample(model);
            assertTrue(cs.stream().mapToInt(c -> c.tokenIds().length).sum() > 6, "something was sampled");
            double diff = mismatch(new QwenPolicy(model, true), cs);
            assertTrue(diff < 1e-4, "mean |sampler - trainer| log-prob = " + diff);

            // LoRA over the same backbone starts at the base weights (B = 0), so it scores the same tokens alike.
            try (LoraModel lora = new LoraModel(new QwenPolicy(model, false),
                    new LoraConfig(4, 8, List.of("q_proj", "v_proj")), 1, ai.djl.Device.cpu())) {
                assertTrue(mismatch(lora, cs) < 1e-4);
                assertEquals(2 * 2 * model.config().numLayers(), lora.trainableParameters().size());
                lora.lora().adapters().values().iterator().next().b().addi(0.5f);
                assertTrue(mismatch(lora, cs) > 1e-3, "a non-zero adapter moves the log-probs");
                lora.save(dir.resolve("merged"));
                try (QwenModel merged = QwenModel.load(dir.resolve("merged"))) {
                    assertTrue(mismatch(new QwenPolicy(merged, false), cs) > 1e-3);
                    assertEquals(mismatch(lora, cs), mismatch(new QwenPolicy(merged, false), cs), 1e-4);
                }
            }
        }
    }

    @Test
    void restoreReloadsSavedWeightsExactly(@TempDir Path dir) throws Exception {
        QwenModel.initRandom("tiny", 64, List.of(63), 4, dir.resolve("m"));
        try (QwenModel a = QwenModel.load(dir.resolve("m")); QwenModel b = QwenModel.load(dir.resolve("m"))) {
            QwenPolicy pa = new QwenPolicy(a, true);
            a.parameters().values().forEach(p -> p.addi(0.001f));
            pa.save(dir.resolve("ckpt").resolve(CheckpointManager.MODEL_DIR));
            new QwenPolicy(b, true).restore(dir.resolve("ckpt"));
            for (String name : a.parameters().keySet()) {
                assertArrayEquals(a.parameters().get(name).toFloatArray(), b.parameters().get(name).toFloatArray(), 0f,
                        name);
            }
        }
    }
}
