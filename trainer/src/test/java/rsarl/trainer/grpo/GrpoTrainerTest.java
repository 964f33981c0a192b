package rsarl.trainer.grpo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.Completion;
import rsarl.model.SafetensorsFile;
import rsarl.trainer.BigramPolicy;
import rsarl.trainer.config.TrainConfig;
import rsarl.trainer.loop.CheckpointManager;
import rsarl.trainer.loop.Rng;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The full loop on the bigram policy: metrics, checkpoints, and kill-and-resume bit-identity. */
class GrpoTrainerTest {
    private static final int V = 6;
    private static final int TARGET = 3;
    private static final int MARK = 5; // appended to aggregation prompts

    /** Problem i's prompt is token i % 5; aggregation prompts append the candidates' first tokens and a marker. */
    private static Rollouts rollouts(BigramPolicy policy) {
        return (step, plans, g, stepSeed) -> {
            List<Rollouts.Group> groups = new ArrayList<>();
            for (int p = 0; p < plans.size(); p++) {
                BatchPlanner.PromptPlan plan = plans.get(p);
                int[] prompt = plan.kind() == BatchPlanner.Kind.AGGREGATION
                        ? new int[] {plan.problem() % 5, plan.candidates()[0] % 5, plan.candidates()[1] % 5, MARK}
                        : new int[] {plan.problem() % 5};
                List<Completion> cs = new ArrayList<>();
                double[] rewards = new double[g];
                for (int i = 0; i < g; i++) {
                    Rng rng = Rng.forStream(stepSeed + p * 1000L + i, "request");
                    Object[] s = policy.sample(prompt[prompt.length - 1], 3, 1.0, rng);
                    int[] toks = (int[]) s[0];
                    rewards[i] = java.util.Arrays.stream(toks).filter(t -> t == TARGET).count() / 3.0;
                    cs.add(new Completion(toks, (float[]) s[1], i % 4 == 0 ? "length" : "stop"));
                }
                groups.add(new Rollouts.Group(plan.kind(), prompt, cs, rewards));
            }
            return new Rollouts.Result(groups, 0.01, 0.001);
        };
    }

    /**
     * Like {@link #rollouts}, but each sample of an aggregation group has its own prompt (the two candidates in
     * order or swapped, last): the bigram's log-probs then depend on which prompt a completion was sampled from.
     */
    private static Rollouts shuffledRollouts(BigramPolicy policy) {
        return (step, plans, g, stepSeed) -> {
            List<Rollouts.Group> groups = new ArrayList<>();
            for (int p = 0; p < plans.size(); p++) {
                BatchPlanner.PromptPlan plan = plans.get(p);
                boolean agg = plan.kind() == BatchPlanner.Kind.AGGREGATION;
                List<int[]> prompts = new ArrayList<>();
                List<Completion> cs = new ArrayList<>();
                double[] rewards = new double[g];
                for (int i = 0; i < g; i++) {
                    int a = agg ? plan.candidates()[i % 2] % 5 : 0;
                    int b = agg ? plan.candidates()[1 - i % 2] % 5 : 0;
                    int[] prompt = agg ? new int[] {plan.problem() % 5, a, b} : new int[] {plan.problem() % 5};
                    prompts.add(prompt);
                    Object[] s = policy.sample(prompt[prompt.length - 1], 3, 1.0,
                            Rng.forStream(stepSeed + p * 1000L + i, "request"));
                    int[] toks = (int[]) s[0];
                    rewards[i] = java.util.Arrays.stream(toks).filter(t -> t == TARGET).count() / 3.0;
                    cs.add(new Completion(toks, (float[]) s[1], "stop"));
                }
                groups.add(new Rollouts.Group(plan.kind(), prompts.get(0), cs, rewards, agg ? prompts : null));
            }
            return new Rollouts.Result(groups, 0.01, 0.001);
        };
    }

    private static TrainConfig config(Path dir, String out, String... extra) throws IOException {
        Files.createDirectories(dir.resolve("model"));
        Files.writeString(dir.resolve("problems.jsonl"), "{}\n");
        Files.writeString(dir.resolve("pools.jsonl"), "{}\n");
        Path f = dir.resolve("train.yaml");
        Files.writeString(f, "model: " + dir.resolve("model") + "\noutput_dir: " + dir.resolve(out)
                + "\ndata:\n  problems: " + dir.resolve("problems.jsonl") + "\n  pools: " + dir.resolve("pools.jsonl")
                + "\naggregation:\n  ratio: 0.5\n  k: 2\nnum_generations: 4\nbatch_size: 4\nmicro_batch_size: 8\n"
                + "max_completion_length: 3\nlearning_rate: 0.2\nlr_scheduler_type: cosine\nwarmup_steps: 1\n"
                + "max_steps: 6\nsave_steps: 2\nsave_total_limit: 2\nbeta: 0.02\nnum_iterations: 2\n"
                + "mask_truncated_completions: true\nseed: 5\n");
        return TrainConfig.load(f, List.of(extra));
    }

    private static float[] train(TrainConfig cfg, long stopAfter) throws IOException {
        try (BigramPolicy policy = new BigramPolicy(V); BigramPolicy ref = new BigramPolicy(V)) {
            BatchPlanner planner = new BatchPlanner(7, cfg.perDeviceTrainBatchSize(), cfg.aggregation().ratio(),
                    cfg.aggregation().k(), cfg.aggregation().source(), new int[] {3, 3, 3, 3, 3, 3, 3}, null,
                    cfg.seed());
            new GrpoTrainer(cfg, planner, policy, ref, rollouts(policy), 0, new PrintStream(
                    java.io.OutputStream.nullOutputStream())).run(stopAfter);
            return policy.table.toFloatArray();
        }
    }

    @Test
    void killAndResumeGivesBitIdenticalWeightsAndMetrics(@TempDir Path dir) throws IOException {
        float[] straight = train(config(dir, "a"), -1);
        float[] killed = train(config(dir, "b"), 3); // checkpoint at step 2, step 3 lost
        assertFalse(java.util.Arrays.equals(straight, killed));
        float[] resumed = train(config(dir, "b", "resume=auto"), -1);
        assertArrayEquals(straight, resumed, 0f);

        List<String> a = withoutTimes(dir.resolve("a/metrics.jsonl"));
        assertEquals(6, a.size());
        assertEquals(a, withoutTimes(dir.resolve("b/metrics.jsonl")));
        CheckpointManager cm = new CheckpointManager(dir.resolve("b"), 2);
        assertEquals(List.of(dir.resolve("b/checkpoint-4"), dir.resolve("b/checkpoint-6")), cm.checkpoints());
        CheckpointManager.Checkpoint last = cm.latest().orElseThrow();
        assertEquals(12, last.state().optimizerUpdates()); // 6 steps x num_iterations 2
        assertEquals(24, last.state().dataCursor());
        assertEquals(12, last.scheduler().lastUpdate());
    }

    @Test
    void dynamicSamplingResumesBitIdenticallyAndAdvancesTheCursorPerRound(@TempDir Path dir) throws IOException {
        String[] on = {"filter_groups.enable=true", "filter_groups.max_num_gen_batches=3"};
        float[] straight = train(config(dir, "a", on), -1);
        float[] killed = train(config(dir, "b", on), 3);
        assertFalse(java.util.Arrays.equals(straight, killed));
        String[] resume = {on[0], on[1], "resume=auto"};
        assertArrayEquals(straight, train(config(dir, "b", resume), -1), 0f);
        assertEquals(withoutTimes(dir.resolve("a/metrics.jsonl")), withoutTimes(dir.resolve("b/metrics.jsonl")));

        long rounds = 0;
        for (String line : Files.readAllLines(dir.resolve("a/metrics.jsonl"))) {
            rounds += new ObjectMapper().readTree(line).get("num_gen_batches").asLong();
        }
        assertTrue(rounds > 6, "some steps needed more than one generation round: " + rounds);
        assertEquals(4 * rounds, new CheckpointManager(dir.resolve("a"), 2).latest().orElseThrow().state()
                .dataCursor());
        assertFalse(java.util.Arrays.equals(straight, train(config(dir, "c"), -1)), "filtering changes training");
    }

    @Test
    void trainsEachSampleOnThePromptItWasSampledFrom(@TempDir Path dir) throws IOException {
        TrainConfig cfg = config(dir, "s", "max_steps=1", "num_iterations=1", "beta=0");
        try (BigramPolicy policy = new BigramPolicy(V)) {
            // A non-uniform table, so that the first completion token's log-prob depends on the prompt's last token.
            float[] table = new float[V * V];
            for (int i = 0; i < table.length; i++) {
                table[i] = (i * 7 % 11) / 3f;
            }
            policy.table.set(table);
            BatchPlanner planner = new BatchPlanner(7, cfg.perDeviceTrainBatchSize(), cfg.aggregation().ratio(),
                    cfg.aggregation().k(), cfg.aggregation().source(), new int[] {3, 3, 3, 3, 3, 3, 3}, null,
                    cfg.seed());
            new GrpoTrainer(cfg, planner, policy, null, shuffledRollouts(policy), 0,
                    new PrintStream(java.io.OutputStream.nullOutputStream())).run(-1);
        }
        ObjectNode line = (ObjectNode) new ObjectMapper().readTree(Files.readAllLines(dir.resolve("s/metrics.jsonl"))
                .get(0));
        assertTrue(line.get("sampler_logprob_abs_diff").asDouble() < 1e-5, line.toString());
    }

    @Test
    void logsEveryMetricPerStep(@TempDir Path dir) throws IOException {
        train(config(dir, "m", "max_steps=2"), -1);
        ObjectNode line = (ObjectNode) new ObjectMapper().readTree(Files.readAllLines(dir.resolve("m/metrics.jsonl"))
                .get(1));
        for (String key : List.of("step", "reward_mean_standard", "reward_mean_aggregation", "zero_std_fraction",
                "loss", "kl", "clip_fraction_low", "clip_fraction_high", "entropy", "grad_norm", "learning_rate",
                "completion_length_mean", "completion_length_max", "truncated_fraction", "tokens_per_second",
                "generation_seconds", "scoring_seconds", "update_seconds", "sampler_logprob_abs_diff",
                "num_gen_batches", "padded_groups")) {
            assertTrue(line.has(key) && line.get(key).isNumber(), key + " in " + line);
        }
        assertEquals(0.25, line.get("truncated_fraction").asDouble());
        assertTrue(line.get("sampler_logprob_abs_diff").asDouble() < 1e-5);
        assertTrue(line.get("kl").asDouble() > 0, "beta > 0 and the policy moved after step 1");
        assertTrue(Files.isDirectory(dir.resolve("m/checkpoint-2/model")));

        IllegalArgumentException again = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> train(config(dir, "m", "max_steps=2"), -1));
        assertTrue(again.getMessage().contains("checkpoint-2") && again.getMessage().contains("resume: auto"),
                again.getMessage());
        float[] restored = train(config(dir, "m", "max_steps=2", "resume=auto"), -1); // already at max_steps
        try (ai.djl.ndarray.NDManager tmp = ai.djl.ndarray.NDManager.newBaseManager()) {
            assertArrayEquals(SafetensorsFile.readAll(dir.resolve("m/checkpoint-2/model/model.safetensors"), tmp).tensors()
                    .get("table").toFloatArray(), restored, 0f);
        }
        assertEquals(2, Files.readAllLines(dir.resolve("m/metrics.jsonl")).size());
    }

    private static List<String> withoutTimes(Path metrics) throws IOException {
        ObjectMapper om = new ObjectMapper();
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(metrics)) {
            ObjectNode n = (ObjectNode) om.readTree(l);
            n.remove(List.of("generation_seconds", "scoring_seconds", "update_seconds", "tokens_per_second"));
            out.add(n.toString());
        }
        return out;
    }
}
