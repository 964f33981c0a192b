package rsarl.rollout.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import rsarl.rewards.Problem;
import rsarl.rewards.Verifier;
import rsarl.rollout.backend.Backend;
import rsarl.rollout.backend.BackendFactory;
import rsarl.rollout.config.ConfigLoader;
import rsarl.rollout.config.EvalConfig;
import rsarl.rollout.prompt.AggregationTemplate;
import rsarl.rollout.rsa.Generation;
import rsarl.rollout.rsa.GenerationLog;
import rsarl.rollout.rsa.RsaLoop;
import rsarl.rollout.rsa.StateMetrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * {@code rsa eval}: runs RSA for every seed of the config and writes, under {@code output_dir},
 * generations.jsonl (appended as requests finish), metrics.jsonl (after every state), summary.json and
 * accuracy.png. Rerunning the same config resumes from generations.jsonl without resending any
 * finished request.
 */
public final class EvalRun {
    public static final String GENERATIONS = "generations.jsonl";
    public static final String METRICS = "metrics.jsonl";
    public static final String SUMMARY = "summary.json";
    public static final String PLOT = "accuracy.png";
    public static final String MANIFEST = "run.json";

    private final EvalConfig config;
    private final Function<Path, List<Problem>> problemReader;
    private final Function<String, Verifier> verifiers;
    private final BackendFactory backends;

    /**
     * @param problemReader reads a problems JSONL file (e.g. {@code ProblemReader::read})
     * @param verifiers     the verifier of a task kind (e.g. {@code Verifiers::forTask})
     * @param backends      opens the configured backend
     */
    public EvalRun(EvalConfig config, Function<Path, List<Problem>> problemReader,
                   Function<String, Verifier> verifiers, BackendFactory backends) {
        this.config = config;
        this.problemReader = problemReader;
        this.verifiers = verifiers;
        this.backends = backends;
    }

    /** Runs (or resumes) the evaluation; returns every state's metrics, seed by seed. */
    public List<StateMetrics> run(RsaLoop.Listener progress) {
        if ("local".equals(config.backend().type())) {
            rsarl.rollout.backend.LocalEngine.device(config.backend().device()); // fails before anything is created
        }
        rsarl.rollout.assets.Assets.prepare(config, System.err);
        List<Problem> problems = ProblemSet.load(config.data(), problemReader);
        Path out = config.outputPath();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("output_dir: cannot create " + out + ": " + e.getMessage(), e);
        }
        ObjectNode identity = identity(config);
        RunManifest.writeOrCheck(out.resolve(MANIFEST), identity);
        RsaLoop.Settings settings = new RsaLoop.Settings(config.rsa().population(), config.rsa().k(),
                config.rsa().steps(), config.sampling().toParams(), AggregationTemplate.resolve(config.rsa().template()));
        List<StateMetrics> all = new ArrayList<>();
        try (GenerationLog log = GenerationLog.open(out.resolve(GENERATIONS));
             Backend backend = backends.open(config.backend())) {
            RsaLoop loop = new RsaLoop(backend, verifiers, settings);
            for (long seed : config.seedList()) {
                loop.run(problems, seed, log, new RsaLoop.Listener() {
                    @Override
                    public void stateStarted(long s, int step, int steps, int requests, int reused) {
                        progress.stateStarted(s, step, steps, requests, reused);
                    }

                    @Override
                    public void generated(Generation g) {
                        progress.generated(g);
                    }

                    @Override
                    public void stateFinished(StateMetrics m) {
                        all.add(m);
                        MetricsFiles.writeMetrics(out.resolve(METRICS), all);
                        progress.stateFinished(m);
                    }
                });
            }
        }
        MetricsFiles.writeSummary(out.resolve(SUMMARY), identity, config.seedList(), all);
        AccuracyPlot.write(out.resolve(PLOT), SeedStats.of(all), title(config, problems.size()));
        return all;
    }

    private static String title(EvalConfig c, int problems) {
        return "RSA N=" + c.rsa().population() + " K=" + c.rsa().k() + " on " + Path.of(c.data().path()).getFileName()
                + " (" + problems + " problems, " + c.seedList().size() + " seed" + (c.seedList().size() > 1 ? "s" : "") + ")";
    }

    /** The settings that determine the generations (see {@link RunManifest}). */
    static ObjectNode identity(EvalConfig c) {
        ObjectNode tree = ConfigLoader.toTree(c);
        ObjectNode id = tree.objectNode();
        ObjectNode backend = id.putObject("backend");
        backend.put("type", c.backend().type());
        backend.put("model", c.backend().model());
        ObjectNode data = id.putObject("data");
        data.put("path", c.data().path());
        data.put("task", c.data().task());
        ObjectNode rsa = ((ObjectNode) tree.get("rsa")).deepCopy();
        if (AggregationTemplate.DEFAULT_NAME.equals(c.rsa().template())) {
            rsa.remove("template"); // runs written before templates existed keep their manifest
        }
        id.set("rsa", rsa);
        id.set("sampling", tree.get("sampling"));
        return id;
    }
}
