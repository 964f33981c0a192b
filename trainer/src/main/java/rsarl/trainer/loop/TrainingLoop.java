package rsarl.trainer.loop;

import ai.djl.engine.Engine;
import rsarl.trainer.grpo.GrpoTrainer;
import rsarl.trainer.grpo.StepMetrics;
import rsarl.trainer.model.TrainableModel;
import rsarl.trainer.optim.AdamW;
import rsarl.trainer.optim.LrSchedule;
import rsarl.trainer.optim.SchedulerState;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * The skeleton shared by {@code rsa train} (GRPO) and {@code rsa sft}: resume (the newest checkpoint with
 * {@code resume: auto}, a named one, or none, refusing an {@code output_dir} with checkpoints for {@code never}),
 * restore of weights and optimizer with its compatibility check and a warning when the config hash changed, torch
 * re-seeded per step, one {@code metrics.jsonl} line per step, a checkpoint every {@code save_steps} and at the
 * last step, and a progress bar. What a step does is the {@link Body}'s.
 */
public final class TrainingLoop {
    /** What one kind of training does per step. */
    public interface Body {
        /** After the resume point is known, before the first step (e.g. push the restored weights to a server). */
        default void start(long step, long cursor) throws IOException {}

        /** Runs step {@code step} from data position {@code cursor}; {@code seed} is the step's seed. */
        Outcome step(long step, long cursor, long seed, AdamW optimizer) throws IOException;

        /** After the step is logged and checkpointed (must not touch training state). */
        default void after(long step) throws IOException {}
    }

    /** A step's metrics line, the data cursor after it, and the progress bar's text. */
    public record Outcome(Object metrics, long cursor, String progress) {}

    /**
     * @param resumeFrom a named checkpoint folder, or null
     */
    public record Settings(Path outputDir, int saveTotalLimit, long totalSteps, int saveSteps, long seed, String configHash,
            boolean resumeAuto, Path resumeFrom, AdamW.Hyper adam, LrSchedule schedule) {}

    private final Settings s;
    private final PrintStream log;

    public TrainingLoop(Settings settings, PrintStream log) {
        this.s = settings;
        this.log = log;
    }

    /** Trains to {@code totalSteps} (or stops after {@code stopAfter}; -1 for none); returns the last step. */
    public long run(TrainableModel policy, Body body, long stopAfter) throws IOException {
        CheckpointManager ckpts = new CheckpointManager(s.outputDir(), s.saveTotalLimit());
        ai.djl.Device device = policy.trainableParameters().values().iterator().next().getDevice();
        try (AdamW opt = new AdamW(s.adam(), AdamW.HF_DECAY, device)) {
            long step = 0;
            long cursor = 0;
            double elapsedBefore = 0;
            CheckpointManager.Checkpoint from = s.resumeFrom() != null ? CheckpointManager.open(s.resumeFrom())
                    : s.resumeAuto() ? ckpts.latest().orElse(null) : null;
            if (from == null && !s.resumeAuto()) {
                ckpts.requireNoCheckpoints();
            }
            if (from != null) {
                policy.restore(from.dir());
                opt.load(from.optimizerFile());
                opt.checkCompatible(policy.trainableParameters(), from.optimizerFile());
                step = from.state().globalStep();
                cursor = from.state().dataCursor();
                elapsedBefore = from.state().elapsedSeconds();
                if (!s.configHash().equals(from.state().configHash())) {
                    log.println("warning: resuming " + from.dir() + " with a different config (hash "
                            + from.state().configHash() + " -> " + s.configHash() + ")");
                }
            }
            long started = System.nanoTime();
            ProgressBar bar = new ProgressBar(s.totalSteps(), step, log, System.console() != null);
            body.start(step, cursor);
            try (MetricsLogger metrics = MetricsLogger.open(s.outputDir().resolve("metrics.jsonl"), step)) {
                while (step < s.totalSteps()) {
                    step++;
                    long seed = GrpoTrainer.stepSeed(s.seed(), step);
                    Engine.getInstance().setRandomSeed((int) seed);
                    Outcome o = body.step(step, cursor, seed, opt);
                    cursor = o.cursor();
                    if (o.metrics() instanceof StepMetrics m) {
                        metrics.log(m);
                    } else {
                        @SuppressWarnings("unchecked")
                        Map<String, ?> line = (Map<String, ?>) o.metrics();
                        metrics.log(line);
                    }
                    bar.update(step, o.progress());
                    if (step % s.saveSteps() == 0 || step == s.totalSteps()) {
                        double elapsed = elapsedBefore + (System.nanoTime() - started) / 1e9;
                        TrainerState st = new TrainerState(step, s.totalSteps(), opt.step(), s.configHash(), cursor,
                                Map.of(), metrics.lines(), elapsed, Map.of());
                        ckpts.save(st, dir -> {
                            policy.save(dir.resolve(CheckpointManager.MODEL_DIR));
                            policy.saveTrainable(dir);
                            opt.save(dir.resolve(CheckpointManager.OPTIMIZER_FILE));
                            CheckpointManager.writeJson(dir.resolve(CheckpointManager.SCHEDULER_FILE),
                                    SchedulerState.of(s.schedule(), opt.step()));
                        });
                    }
                    body.after(step);
                    if (step == stopAfter) {
                        break;
                    }
                }
            }
            return step;
        }
    }
}
