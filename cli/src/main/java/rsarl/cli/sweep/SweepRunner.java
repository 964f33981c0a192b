package rsarl.cli.sweep;

import rsarl.rewards.Problem;
import rsarl.rewards.Verifier;
import rsarl.rollout.backend.BackendFactory;
import rsarl.rollout.config.ConfigException;
import rsarl.rollout.config.EvalConfig;
import rsarl.rollout.eval.EvalRun;
import rsarl.rollout.rsa.RsaLoop;
import rsarl.trainer.config.TrainConfig;
import rsarl.trainer.grpo.TrainRun;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Runs the runs of a {@link SweepPlan} in this process, {@code max_parallel} at a time. Every run's config is loaded
 * and validated before the first starts. A run whose outputs are complete is skipped; an unfinished one resumes
 * (eval from its generations.jsonl, train from its newest checkpoint with {@code resume: auto}). A failing run is
 * reported and the others go on. Progress, one line per run started and finished, goes to {@code progress}.
 */
public final class SweepRunner {
    /** Train run folder and the RSA eval folder of its final checkpoint, inside a train+eval run. */
    public static final String TRAIN_DIR = "train";
    public static final String EVAL_DIR = "eval";
    public static final String TRAIN_LOG = "train.log";

    private final SweepPlan plan;
    private final Function<String, Verifier> verifiers;
    private final Function<Path, List<Problem>> problemReader;
    private final BackendFactory backends;
    private final PrintStream progress;

    public SweepRunner(SweepPlan plan, Function<String, Verifier> verifiers, Function<Path, List<Problem>> problemReader,
                       BackendFactory backends, PrintStream progress) {
        this.plan = plan;
        this.verifiers = verifiers;
        this.problemReader = problemReader;
        this.backends = backends;
        this.progress = progress;
    }

    /** The configs of one run, bound and validated. */
    public record Prepared(SweepPlan.Run run, TrainConfig train, EvalConfig eval) {
        public boolean finished() {
            if (eval != null) {
                return Files.isRegularFile(eval.outputPath().resolve(EvalRun.SUMMARY));
            }
            return Files.isDirectory(Path.of(train.outputDir()).resolve("checkpoint-" + train.maxSteps()));
        }
    }

    /** Folder of a run's training output (the run folder itself for {@code train}). */
    public static Path trainDir(SweepConfig.Command c, SweepPlan.Run run) {
        return c == SweepConfig.Command.TRAIN ? run.dir() : run.dir().resolve(TRAIN_DIR);
    }

    /** Folder of a run's eval output (the run folder itself for {@code eval}). */
    public static Path evalDir(SweepConfig.Command c, SweepPlan.Run run) {
        return c == SweepConfig.Command.EVAL ? run.dir() : run.dir().resolve(EVAL_DIR);
    }

    /** Loads every run's config; the first bad one ends the sweep before anything runs, naming the run. */
    public List<Prepared> prepare() {
        List<Prepared> out = new ArrayList<>();
        SweepConfig c = plan.config();
        for (SweepPlan.Run run : plan.runs()) {
            try {
                TrainConfig train = null;
                EvalConfig eval = null;
                if (c.command().trains()) {
                    List<String> o = new ArrayList<>(run.cell().overrides());
                    o.add("seed=" + run.seed());
                    o.add("output_dir=" + yamlString(trainDir(c.command(), run)));
                    o.add("resume=auto");
                    train = TrainConfig.load(c.base(), o);
                }
                if (c.command().evaluates()) {
                    List<String> o = new ArrayList<>();
                    Path file = c.base();
                    if (train != null) {
                        file = c.evalConfig();
                        o.add("backend.type=local");
                        o.add("backend.model=" + yamlString(finalModel(train)));
                        o.add("init=null");
                    } else {
                        o.addAll(run.cell().overrides());
                    }
                    o.add("seeds=null");
                    o.add("seed=" + run.seed());
                    o.add("output_dir=" + yamlString(evalDir(c.command(), run)));
                    eval = EvalConfig.load(file, o);
                }
                out.add(new Prepared(run, train, eval));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("run " + run.name() + " (" + String.join(" ", run.cell().overrides())
                        + "): " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** The final checkpoint's model folder of a training run. */
    static Path finalModel(TrainConfig t) {
        return Path.of(t.outputDir()).resolve("checkpoint-" + t.maxSteps()).resolve("model");
    }

    private static String yamlString(Path p) {
        return "'" + p.toString().replace("'", "''") + "'";
    }

    /** Runs what is not finished; returns the runs that failed (name to message), empty when all succeeded. */
    public Map<String, String> run(List<Prepared> runs) throws InterruptedException {
        Map<String, String> failed = new ConcurrentHashMap<>();
        AtomicInteger done = new AtomicInteger();
        int total = runs.size();
        List<Prepared> todo = new ArrayList<>();
        for (Prepared p : runs) {
            if (p.finished()) {
                say(String.format(Locale.ROOT, "sweep: [%d/%d] %s: finished earlier, skipped", done.incrementAndGet(),
                        total, p.run().name()));
            } else {
                todo.add(p);
            }
        }
        int threads = Math.min(plan.config().maxParallel(), Math.max(1, todo.size()));
        if (threads == 1) {
            todo.forEach(p -> runOne(p, done, total, failed));
            return failed;
        }
        if (!todo.isEmpty()) {
            // The first run alone creates the inputs the runs share (init model, generated problems, pools).
            runOne(todo.remove(0), done, total, failed);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Prepared p : todo) {
                futures.add(pool.submit(() -> runOne(p, done, total, failed)));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return failed;
    }

    private void runOne(Prepared p, AtomicInteger done, int total, Map<String, String> failed) {
        // libtorch's autograd switch is per thread and only the thread that loaded the engine starts with it off;
        // the trainer's in-place weight updates need it off on whichever thread runs the cell.
        if (p.train() != null) {
            ai.djl.engine.Engine.getInstance();
            ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        }
        String what = plan.config().command().toString();
        say("sweep: " + what + " " + p.run().name() + (resuming(p) ? ": resuming" : ": started"));
        long t0 = System.nanoTime();
        try {
            if (p.train() != null) {
                Path dir = Path.of(p.train().outputDir());
                Files.createDirectories(dir);
                try (PrintStream log = new PrintStream(new FileOutputStream(dir.resolve(TRAIN_LOG).toFile(), true),
                        true, StandardCharsets.UTF_8)) {
                    TrainRun.run(p.train(), log, -1);
                }
            }
            if (p.eval() != null) {
                new EvalRun(p.eval(), problemReader, verifiers, backends).run(RsaLoop.Listener.NONE);
            }
            double s = (System.nanoTime() - t0) / 1e9;
            say(String.format(Locale.ROOT, "sweep: [%d/%d] %s: done in %.1f s", done.incrementAndGet(), total,
                    p.run().name(), s));
        } catch (IOException | RuntimeException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            failed.put(p.run().name(), msg);
            say(String.format(Locale.ROOT, "sweep: [%d/%d] %s: failed: %s", done.incrementAndGet(), total,
                    p.run().name(), msg));
        }
    }

    private static boolean resuming(Prepared p) {
        return Files.isDirectory(p.run().dir());
    }

    private synchronized void say(String line) {
        progress.println(line);
        progress.flush();
    }
}
