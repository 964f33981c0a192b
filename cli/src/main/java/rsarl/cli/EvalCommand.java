package rsarl.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rsarl.rewards.Problem;
import rsarl.rewards.Verifier;
import rsarl.rollout.backend.BackendFactory;
import rsarl.rollout.config.EvalConfig;
import rsarl.rollout.eval.ConsoleProgress;
import rsarl.rollout.eval.EvalRun;
import rsarl.rollout.eval.SeedStats;
import rsarl.rollout.rsa.RsaLoop;
import rsarl.rollout.rsa.StateMetrics;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;

/** {@code rsa eval --config FILE.yaml [--set key.path=value ...]}: RSA evaluation of a model. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a model with Recursive Self-Aggregation (resumes a killed run of the same config).")
public final class EvalCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    @Option(names = "--no-progress", description = "no progress bar on stderr")
    boolean noProgress;

    @Spec
    CommandSpec spec;

    private final Function<String, Verifier> verifiers;
    private final Function<Path, List<Problem>> problemReader;
    private final BackendFactory backends;

    public EvalCommand() {
        this(Wiring.verifiers(), Wiring.problemReader(), Wiring.backends());
    }

    public EvalCommand(Function<String, Verifier> verifiers, Function<Path, List<Problem>> problemReader,
                       BackendFactory backends) {
        this.verifiers = verifiers;
        this.problemReader = problemReader;
        this.backends = backends;
    }

    @Override
    public Integer call() {
        EvalConfig cfg = EvalConfig.load(options.config, options.overrides);
        EvalRun run = new EvalRun(cfg, problemReader, verifiers, backends);
        List<StateMetrics> metrics;
        if (noProgress) {
            metrics = run.run(RsaLoop.Listener.NONE);
        } else {
            try (ConsoleProgress progress = new ConsoleProgress(System.err)) {
                metrics = run.run(progress);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("step  calls/seed  pass@1          majority        pass@n          mean tokens");
        for (SeedStats s : SeedStats.of(metrics)) {
            out.println(String.format(Locale.ROOT, "%4d  %10.0f  %s  %s  %s  %11.1f", s.step(), s.calls().mean(),
                    fmt(s.pass1()), fmt(s.majority()), fmt(s.passN()), s.meanResponseTokens().mean()));
        }
        out.println("wrote " + cfg.outputPath().resolve(EvalRun.METRICS) + ", " + EvalRun.GENERATIONS + ", "
                + EvalRun.SUMMARY + ", " + EvalRun.PLOT);
        out.flush();
        return 0;
    }

    private static String fmt(SeedStats.Stat s) {
        return String.format(Locale.ROOT, "%.4f ± %.4f", s.mean(), s.std());
    }
}
