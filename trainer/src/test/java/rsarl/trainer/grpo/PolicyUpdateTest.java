package rsarl.trainer.grpo;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.trainer.BigramPolicy;
import rsarl.trainer.config.LossType;
import rsarl.trainer.loop.CheckpointManager;
import rsarl.trainer.loop.Rng;
import rsarl.trainer.optim.AdamW;
import rsarl.trainer.optim.LrSchedule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyUpdateTest {
    @Test
    void grpoLearnsTheToyTask(@TempDir Path out) throws IOException {
        List<Double> rewards = new ArrayList<>();
        ToyGrpoRun.run(out, 30, -1, false, LossType.DAPO, 1, 0.0, rewards);
        double first = rewards.subList(0, 3).stream().mapToDouble(d -> d).average().orElse(0);
        double last = rewards.subList(27, 30).stream().mapToDouble(d -> d).average().orElse(0);
        assertTrue(first < 0.35, "starts near chance (1/6): " + first);
        assertTrue(last > 0.7, "learns to emit the target token: " + rewards);
        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertEquals(30, lines.size());
        assertTrue(lines.get(0).contains("\"sampler_logprob_abs_diff\":"));
    }

    @Test
    void killAndResumeIsBitIdentical(@TempDir Path dir) throws IOException {
        for (LossType type : new LossType[] {LossType.DAPO, LossType.GRPO}) {
            int iterations = type == LossType.GRPO ? 2 : 1; // also covers old log-probs from a no-grad forward
            double beta = type == LossType.GRPO ? 0.05 : 0.0;
            Path a = dir.resolve("straight-" + type);
            Path b = dir.resolve("resumed-" + type);
            float[] straight = ToyGrpoRun.run(a, 8, -1, false, type, iterations, beta, new ArrayList<>());
            float[] killed = ToyGrpoRun.run(b, 8, 5, false, type, iterations, beta, new ArrayList<>());
            assertFalse(java.util.Arrays.equals(straight, killed), "the kill happened before the end");
            // killed after step 5: newest checkpoint is step 3, so steps 4-5 are redone and their lines replaced
            float[] resumed = ToyGrpoRun.run(b, 8, -1, true, type, iterations, beta, new ArrayList<>());
            assertArrayEquals(straight, resumed, 0f, type.name());
            assertEquals(Files.readAllLines(a.resolve("metrics.jsonl")), Files.readAllLines(b.resolve("metrics.jsonl")));
            assertEquals(2, new CheckpointManager(b, 2).checkpoints().size());
        }
    }

    @Test
    void microBatchSizeAndTokenBudgetDoNotChangeTheUpdate() {
        float[] start = {.1f, .2f, -.3f, .4f, 0, .5f, -.1f, 0, .2f, .3f, 0, 0, .7f, -.2f, .1f, .3f, .3f, .1f, -.5f, 0,
                .2f, .6f, -.4f, .1f, .2f};
        float[][] results = new float[3][];
        int k = 0;
        for (int[] split : new int[][] {{3, 0}, {12, 0}, {12, 7}}) { // {micro_batch_size, micro_batch_max_tokens}
            int micro = split[0];
            // eps = 1 makes AdamW's first step ~ lr * gradient. With the default eps 1e-8 it is lr * sign(gradient), so
            // an entry whose gradient is 0 up to float noise (the order of a sum changes with the micro-batch) moved
            // by +lr or -lr depending on where the allocator put the buffers.
            try (BigramPolicy p = new BigramPolicy(5);
                    AdamW opt = new AdamW(new AdamW.Hyper(0.9, 0.999, 1.0, 0), AdamW.HF_DECAY, Device.cpu())) {
                p.table.set(start);
                Rng rng = new Rng(4);
                List<Sample> samples = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    Object[] s = p.sample((i + 1) % 5, 1 + i % 4, 1.0, rng); // continues the prompt
                    samples.add(new Sample(new int[] {i % 5, (i + 1) % 5}, (int[]) s[0], (float[]) s[1], false,
                            (i % 3) - 1.0));
                }
                PolicyUpdate u = new PolicyUpdate(new PolicyLoss(0.2, 0.2, 0), LossType.GRPO, 1, micro, 4, 1.0,
                        false, 0, 0, split[1]);
                PolicyUpdate.Result r = u.run(samples, p, null, opt, LrSchedule.of("constant", 0.1, 0, 0, 10));
                assertEquals(1.0, r.stats().meanRatio(), 1e-6);
                assertTrue(r.samplerLogprobAbsDiff() < 1e-5, "sampler and trainer agree: " + r.samplerLogprobAbsDiff());
                results[k++] = p.table.toFloatArray();
            }
        }
        assertArrayEquals(results[1], results[0], 1e-6f);
        assertArrayEquals(results[1], results[2], 1e-6f);
        float moved = 0;
        for (int i = 0; i < start.length; i++) {
            moved = Math.max(moved, Math.abs(results[0][i] - start[i]));
        }
        assertTrue(moved > 1e-4, "the update must move the table for the comparison to mean anything: " + moved);
    }

    @Test
    void repeatedUpdatesDoNotGrowNativeMemory() {
        try (BigramPolicy p = new BigramPolicy(5);
                BigramPolicy ref = new BigramPolicy(5);
                AdamW opt = new AdamW(AdamW.Hyper.defaults(0.1), AdamW.HF_DECAY, Device.cpu())) {
            Rng rng = new Rng(2);
            PolicyUpdate u = new PolicyUpdate(new PolicyLoss(0.2, 0.2, 0.1), LossType.DAPO, 2, 4, 3, 1.0, true, 1.0,
                    0);
            int[] counts = new int[6];
            for (int step = 0; step < counts.length; step++) {
                List<Sample> samples = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    Object[] s = p.sample(i % 5, 3, 1.0, rng);
                    samples.add(new Sample(new int[] {i % 5}, (int[]) s[0], (float[]) s[1], i == 3, i % 2 - 0.5));
                }
                u.run(samples, p, ref, opt, LrSchedule.of("constant", 0.01, 0, 0, 10));
                counts[step] = p.manager.getManagedArrays().size() + ref.manager.getManagedArrays().size();
            }
            for (int c : counts) {
                assertEquals(counts[0], c, "managed arrays per step: " + java.util.Arrays.toString(counts));
            }
        }
    }
}
