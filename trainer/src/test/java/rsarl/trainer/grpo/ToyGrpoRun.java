package rsarl.trainer.grpo;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import rsarl.model.CheckpointWriter;
import rsarl.model.SafetensorsFile;
import rsarl.trainer.BigramPolicy;
import rsarl.trainer.config.LossType;
import rsarl.trainer.config.ScaleRewards;
import rsarl.trainer.loop.CheckpointManager;
import rsarl.trainer.loop.MetricsLogger;
import rsarl.trainer.loop.Rng;
import rsarl.trainer.loop.TrainerState;
import rsarl.trainer.optim.AdamW;
import rsarl.trainer.optim.LrSchedule;
import rsarl.trainer.optim.SchedulerState;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A complete GRPO loop on the bigram policy, shaped like the real `rsa train` loop: sample G completions per prompt,
 * score, advantages, {@link PolicyUpdate}, metrics, checkpoints, resume. Reward: share of completion tokens equal
 * to {@link #TARGET}.
 */
final class ToyGrpoRun {
    static final int VOCAB = 6;
    static final int TARGET = 3;
    static final int LENGTH = 4;

    final double[] meanRewards;

    private ToyGrpoRun(double[] meanRewards) {
        this.meanRewards = meanRewards;
    }

    /**
     * Runs to {@code maxSteps}, or stops right after step {@code stopAfter} (simulated kill); resumes from the newest
     * checkpoint in {@code out} when {@code resume}. Returns the final table.
     */
    static float[] run(Path out, int maxSteps, int stopAfter, boolean resume, LossType lossType, int numIterations,
            double beta, List<Double> rewardsSeen) throws IOException {
        int prompts = 4;
        int g = 8;
        long seed = 11;
        LrSchedule schedule = LrSchedule.of("cosine", 0.3, 0, 0.1, (long) maxSteps * numIterations);
        PolicyUpdate update = new PolicyUpdate(new PolicyLoss(0.2, 0.28, beta), lossType, numIterations, 8, LENGTH,
                1.0, false, 1.0, 0);
        CheckpointManager ckpts = new CheckpointManager(out, 2);
        try (BigramPolicy policy = new BigramPolicy(VOCAB);
                BigramPolicy reference = new BigramPolicy(VOCAB);
                AdamW opt = new AdamW(AdamW.Hyper.defaults(0.01), AdamW.HF_DECAY, Device.cpu())) {
            Rng rng = Rng.forStream(seed, "sampler");
            long start = 0;
            if (resume) {
                var c = ckpts.latest().orElseThrow();
                try (NDManager tmp = NDManager.newBaseManager()) {
                    NDArray saved = SafetensorsFile.readAll(c.modelDir().resolve("model.safetensors"), tmp).tensors()
                            .get("table");
                    policy.table.set(saved.toFloatArray());
                }
                opt.load(c.optimizerFile());
                rng = new Rng(c.state().rngStates().get("sampler"));
                start = c.state().globalStep();
            }
            try (MetricsLogger log = MetricsLogger.open(out.resolve("metrics.jsonl"), start)) {
                for (long step = start + 1; step <= maxSteps; step++) {
                    List<Sample> raw = new ArrayList<>();
                    double[] rewards = new double[prompts * g];
                    for (int p = 0; p < prompts; p++) {
                        int first = p % 2;
                        for (int i = 0; i < g; i++) {
                            Object[] s = policy.sample(first, LENGTH, 1.0, rng);
                            int[] toks = (int[]) s[0];
                            long hits = java.util.Arrays.stream(toks).filter(t -> t == TARGET).count();
                            rewards[p * g + i] = (double) hits / LENGTH;
                            raw.add(new Sample(new int[] {first}, toks, (float[]) s[1], true, 0));
                        }
                    }
                    double[] adv = Advantages.grpo(rewards, g, ScaleRewards.GROUP);
                    List<Sample> samples = new ArrayList<>();
                    for (int i = 0; i < raw.size(); i++) {
                        Sample s = raw.get(i);
                        samples.add(new Sample(s.prompt(), s.completion(), s.samplerLogprobs(), s.truncated(),
                                adv[i]));
                    }
                    PolicyUpdate.Result r = update.run(samples, policy, reference, opt, schedule);
                    double mean = java.util.Arrays.stream(rewards).average().orElse(0);
                    rewardsSeen.add(mean);
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("step", step);
                    line.put("reward_mean", mean);
                    line.put("loss", r.loss());
                    line.put("kl", r.stats().meanKl());
                    line.put("clip_fraction", r.stats().clipFraction());
                    line.put("grad_norm", r.gradNorm());
                    line.put("sampler_logprob_abs_diff", r.samplerLogprobAbsDiff());
                    line.put("zero_std_fraction", Advantages.zeroSpreadFraction(rewards, g));
                    log.log(line);
                    if (step % 3 == 0 || step == maxSteps) {
                        TrainerState st = new TrainerState(step, maxSteps, opt.step(), "toy", step * prompts,
                                Map.of("sampler", rng.state()), log.lines(), 0, Map.of());
                        ckpts.save(st, opt, SchedulerState.of(schedule, opt.step()), dir -> {
                            java.nio.file.Files.createDirectories(dir);
                            CheckpointWriter.writeTensors(dir.resolve("model.safetensors"),
                                    Map.of("table", policy.table), Map.of());
                        });
                    }
                    if (step == stopAfter) {
                        return policy.table.toFloatArray();
                    }
                }
            }
            return policy.table.toFloatArray();
        }
    }
}
