package rsarl.trainer.grpo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.model.Generator;
import rsarl.model.QwenModel;
import rsarl.model.SamplingParams;
import rsarl.trainer.config.TrainConfig;
import rsarl.trainer.model.QwenPolicy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GRPO on the real tiny Qwen model with a trivial verifiable reward (1 when the completion's first token is
 * {@link #TARGET}): the mean reward goes from chance (1/16) to above 0.9 within a bounded number of steps, and a run
 * stopped and resumed mid-way (real gradients, AdamW moments) ends bit-identical to an uninterrupted one.
 */
class QwenLearningTest {
    private static final int VOCAB = 16;
    private static final int TARGET = 11;

    private static TrainConfig config(Path dir, String out, String... extra) throws IOException {
        if (!Files.exists(dir.resolve("model"))) {
            QwenModel.initRandom("tiny", VOCAB, List.of(VOCAB - 1), 5, dir.resolve("model"));
            Files.writeString(dir.resolve("problems.jsonl"), "{}\n");
        }
        Path f = dir.resolve("train.yaml");
        Files.writeString(f, "model: " + dir.resolve("model") + "\noutput_dir: " + dir.resolve(out) + "\ndata:\n"
                + "  problems: " + dir.resolve("problems.jsonl") + "\naggregation: {ratio: 0.0}\nnum_generations: 8\n"
                + "batch_size: 4\nmax_completion_length: 2\nlearning_rate: 0.01\nlr_scheduler_type: constant\n"
                + "advantage: grpo\nmax_steps: 40\nsave_steps: 3\nsave_total_limit: 1\nseed: 3\n");
        return TrainConfig.load(f, List.of(extra));
    }

    /** Trains (or resumes); returns the final embedding table and records each step's mean reward. */
    private static float[] train(TrainConfig cfg, long stopAfter, List<Double> rewards) throws IOException {
        try (QwenModel model = QwenModel.load(Path.of(cfg.model()))) {
            QwenPolicy policy = new QwenPolicy(model, true);
            Generator gen = new Generator(model);
            Rollouts rollouts = (step, plans, g, stepSeed) -> {
                List<GenerationRequest> reqs = new ArrayList<>();
                for (int p = 0; p < plans.size(); p++) {
                    for (int i = 0; i < g; i++) {
                        reqs.add(new GenerationRequest(new int[] {1 + plans.get(p).problem() % 4, 2},
                                SamplingParams.of(1.0, 1.0, 2), QwenRollouts.requestSeed(stepSeed, p, i)));
                    }
                }
                List<Completion> cs = gen.generate(reqs);
                List<Rollouts.Group> groups = new ArrayList<>();
                double sum = 0;
                for (int p = 0; p < plans.size(); p++) {
                    double[] r = new double[g];
                    for (int i = 0; i < g; i++) {
                        r[i] = cs.get(p * g + i).tokenIds()[0] == TARGET ? 1 : 0;
                        sum += r[i];
                    }
                    groups.add(new Rollouts.Group(plans.get(p).kind(), reqs.get(p * g).promptIds(),
                            cs.subList(p * g, (p + 1) * g), r));
                }
                rewards.add(sum / cs.size());
                return new Rollouts.Result(groups, 0, 0);
            };
            BatchPlanner planner = new BatchPlanner(4, 4, 0, 1, AggregationSource.POOL, null, null, cfg.seed());
            new GrpoTrainer(cfg, planner, policy, null, rollouts, 0, new PrintStream(OutputStream.nullOutputStream()))
                    .run(stopAfter);
            return model.parameters().get("model.embed_tokens.weight").toFloatArray();
        }
    }

    @Test
    void learnsToStartWithTheTargetToken(@TempDir Path dir) throws IOException {
        List<Double> rewards = new ArrayList<>();
        train(config(dir, "out"), -1, rewards);
        assertTrue(rewards.get(0) < 0.3, "starts near chance: " + rewards.get(0));
        double last = rewards.subList(rewards.size() - 3, rewards.size()).stream().mapToDouble(d -> d).average()
                .orElseThrow();
        assertTrue(last > 0.9, "learned: " + rewards);
    }

    @Test
    void stoppedAndResumedRunMatchesUninterrupted(@TempDir Path dir) throws IOException {
        List<Double> ignored = new ArrayList<>();
        float[] straight = train(config(dir, "a", "max_steps=8"), -1, ignored);
        float[] stopped = train(config(dir, "b", "max_steps=8"), 4, ignored); // checkpoint at 3, step 4 lost
        assertFalse(java.util.Arrays.equals(straight, stopped));
        float[] resumed = train(config(dir, "b", "max_steps=8", "resume=auto"), -1, ignored);
        assertArrayEquals(straight, resumed, 0f);
    }
}
