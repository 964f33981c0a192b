package rsarl.trainer.grpo;

import rsarl.model.Completion;
import rsarl.trainer.config.TrainConfig;
import rsarl.trainer.loop.Rng;
import rsarl.trainer.loop.TrainingLoop;
import rsarl.trainer.model.Policy;
import rsarl.trainer.model.TrainableModel;
import rsarl.trainer.optim.AdamW;
import rsarl.trainer.optim.LrSchedule;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code rsa train} loop without the model-specific parts: plan the step's prompts, get rollouts, compute
 * advantages per group, run {@link PolicyUpdate}, log {@code metrics.jsonl}, checkpoint every {@code save_steps} and
 * at {@code max_steps}, and resume from the newest (or a named) checkpoint.
 *
 * <p>Determinism for bit-identical resume: batches are a pure function of (seed, cursor, step) ({@link BatchPlanner}),
 * rollouts get a per-step seed, torch is re-seeded per step, and the optimizer state is restored exactly.
 */
public final class GrpoTrainer {
    private final TrainConfig cfg;
    private final BatchPlanner planner;
    private final TrainableModel policy;
    private final Policy reference;
    private final Rollouts rollouts;
    private final PolicyUpdate update;
    private final PrintStream log;
    private AfterStep afterStep = step -> {};

    /** Work after a step is logged and checkpointed (e.g. a periodic evaluation); must not touch training state. */
    @FunctionalInterface
    public interface AfterStep {
        void after(long step) throws IOException;
    }

    /** Sets the hook run after every step; returns this. */
    public GrpoTrainer afterStep(AfterStep hook) {
        this.afterStep = hook;
        return this;
    }

    /**
     * @param reference frozen reference policy; may be null when {@code beta} is 0
     * @param padId token id used for padding (masked out everywhere)
     * @param log where progress and warnings go (stderr in the CLI)
     */
    public GrpoTrainer(TrainConfig cfg, BatchPlanner planner, TrainableModel policy, Policy reference,
            Rollouts rollouts, int padId, PrintStream log) {
        if (cfg.beta() > 0 && reference == null) {
            throw new IllegalArgumentException("beta > 0 needs a reference model");
        }
        this.cfg = cfg;
        this.planner = planner;
        this.policy = policy;
        this.reference = reference;
        this.rollouts = rollouts;
        this.update = PolicyUpdate.of(cfg, padId);
        this.log = log;
    }

    /** Seed of step {@code step}'s rollouts and torch generator (a pure function of the run seed and the step). */
    public static long stepSeed(long seed, long step) {
        return Rng.forStream(seed ^ (step * 0xD1B54A32D192ED03L), "step").nextLong();
    }

    /** Trains until {@code max_steps} (or {@code stopAfter}, for kill simulations; -1 for none). Returns last step. */
    public long run(long stopAfter) throws IOException {
        LrSchedule schedule = cfg.schedule();
        TrainingLoop loop = new TrainingLoop(new TrainingLoop.Settings(Path.of(cfg.outputDir()), cfg.saveTotalLimit(),
                cfg.maxSteps(), cfg.saveSteps(), cfg.seed(), cfg.hash(), cfg.resumeAuto(), cfg.resumeFrom(),
                cfg.optimizer().adamHyper(), schedule), log);
        RolloutsAhead[] ahead = new RolloutsAhead[1];
        try {
            return loop.run(policy, new TrainingLoop.Body() {
                @Override
                public void start(long step, long cursor) throws IOException {
                    rollouts.policyUpdated(step);
                    ahead[0] = new RolloutsAhead(planner, rollouts, cfg, step, cursor);
                }

                @Override
                public TrainingLoop.Outcome step(long step, long cursor, long seed, AdamW opt) throws IOException {
                    FilterGroups.Collected batch = ahead[0].take(step, cursor, seed);
                    ahead[0].schedule(step, batch.cursor());
                    StepMetrics m = trainStep(step, batch, opt, schedule);
                    rollouts.policyUpdated(step);
                    return new TrainingLoop.Outcome(m, batch.cursor(), String.format(Locale.ROOT,
                            "reward=%.3f/%.3f loss=%.4f", m.rewardMeanStandard(), m.rewardMeanAggregation(), m.loss()));
                }

                @Override
                public void after(long step) throws IOException {
                    afterStep.after(step);
                }
            }, stopAfter);
        } finally {
            if (ahead[0] != null) {
                ahead[0].close();
            }
        }
    }

    private StepMetrics trainStep(long step, FilterGroups.Collected batch, AdamW opt, LrSchedule schedule)
            throws IOException {
        int g = cfg.numGenerations();
        // Rollout metrics describe everything the policy generated this step; the update sees the kept groups.
        Flat all = Flat.of(batch.generated(), g);
        Flat kept = batch.kept() == batch.generated() ? all : Flat.of(batch.kept(), g); // same list without filtering
        double[] adv = Advantages.compute(cfg.advantage(), cfg.scaleRewards(), kept.rewards, g);
        List<Sample> samples = new ArrayList<>(kept.rewards.length);
        for (int p = 0; p < batch.kept().size(); p++) {
            Rollouts.Group grp = batch.kept().get(p);
            for (int i = 0; i < g; i++) {
                Completion c = grp.completions().get(i);
                samples.add(new Sample(grp.promptOf(i), c.tokenIds(), c.logprobs(), c.truncated(), adv[p * g + i]));
            }
        }
        long t0 = System.nanoTime();
        PolicyUpdate.Result r = update.run(samples, policy, reference, opt, schedule);
        double updateSeconds = (System.nanoTime() - t0) / 1e9;
        RolloutStats rs = RolloutStats.of(all.rewards, all.aggregation, all.lengths, all.truncated,
                batch.generationSeconds());
        return new StepMetrics(step, rs.rewardMeanStandard(), rs.rewardMeanAggregation(),
                Advantages.zeroSpreadFraction(all.rewards, g), r.loss(), r.stats().meanKl(),
                r.stats().clipFractionLow(), r.stats().clipFractionHigh(), r.entropy(), r.gradNorm(), r.learningRate(),
                rs.completionLengthMean(), rs.completionLengthMax(), rs.truncatedFraction(), rs.tokensPerSecond(),
                batch.generationSeconds(), batch.scoringSeconds(), updateSeconds, r.samplerLogprobAbsDiff(),
                batch.rounds(), batch.padded(),
                batch.policyVersion() == Rollouts.Result.CURRENT ? 0 : step - 1 - batch.policyVersion(),
                r.importanceRatioMean(), r.importanceMaskedFraction());
    }

    /** Per-completion arrays of a list of groups (group-major), checked against {@code num_generations}. */
    private record Flat(double[] rewards, boolean[] aggregation, int[] lengths, boolean[] truncated) {
        static Flat of(List<Rollouts.Group> groups, int g) {
            int n = groups.size() * g;
            Flat f = new Flat(new double[n], new boolean[n], new int[n], new boolean[n]);
            for (int p = 0; p < groups.size(); p++) {
                Rollouts.Group grp = groups.get(p);
                if (grp.completions().size() != g || grp.rewards().length != g) {
                    throw new IllegalStateException("group " + p + " has " + grp.completions().size()
                            + " completions and " + grp.rewards().length + " rewards, expected num_generations = " + g);
                }
                for (int i = 0; i < g; i++) {
                    Completion c = grp.completions().get(i);
                    f.rewards[p * g + i] = grp.rewards()[i];
                    f.aggregation[p * g + i] = grp.kind() == BatchPlanner.Kind.AGGREGATION;
                    f.lengths[p * g + i] = c.tokenIds().length;
                    f.truncated[p * g + i] = c.truncated();
                }
            }
            return f;
        }
    }
}
