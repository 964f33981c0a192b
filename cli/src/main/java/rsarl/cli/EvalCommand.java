package rsarl.cli;

import picocli.CommandLine.Command;
import rsarl.rewards.Problem;
import rsarl.rewards.Verifier;
import rsarl.rollout.backend.BackendFactory;
import rsarl.rollout.config.EvalConfig;
import rsarl.rollout.eval.EvalRun;
import rsarl.rollout.eval.SeedStats;
import rsarl.rollout.rsa.StateMetrics;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** {@code rsa eval --config FILE.yaml [--set key.path=value ...]}: RSA evaluation of a model. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a model with Recursive Self-Aggregation (resumes a killed run of the same config).")
public final class EvalCommand extends RolloutCommand {

    public EvalCommand() {
        this(Wiring.verifiers(), Wiring.problemReader(), Wiring.backends());
    }

    public EvalCommand(Function<String, Verifier> verifiers, Function<Path, List<Problem>> problemReader,
                       BackendFactory backends) {
        super(verifiers, problemReader, backends);
    }

    @Override
    public Integer call() {
        java.nio.file.Path file = options.configOrPrint(spec, EvalConfig.class, "eval-defaults.yaml");
        if (file == null) {
            return 0;
        }
        EvalConfig cfg = EvalConfig.loadToRun(file, options.overrides);
        EvalRun run = new EvalRun(cfg, problemReader, verifiers, backends);
        List<StateMetrics> metrics = withProgress(run::run);
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
