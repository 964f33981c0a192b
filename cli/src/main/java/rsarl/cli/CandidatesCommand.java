package rsarl.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rsarl.rewards.Problem;
import rsarl.rewards.Verifier;
import rsarl.rollout.backend.BackendFactory;
import rsarl.rollout.candidates.CandidatePool;
import rsarl.rollout.config.CandidatesConfig;
import rsarl.rollout.eval.ConsoleProgress;
import rsarl.rollout.rsa.RsaLoop;
import rsarl.rollout.rsa.StateMetrics;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;

/** {@code rsa candidates --config FILE.yaml}: candidate pools for aggregation-aware training. */
@Command(name = "candidates", mixinStandardHelpOptions = true,
        description = "Sample M solutions per problem from a reference model into a JSONL candidate pool.")
public final class CandidatesCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    @Option(names = "--no-progress", description = "no progress bar on stderr")
    boolean noProgress;

    @Spec
    CommandSpec spec;

    private final Function<String, Verifier> verifiers;
    private final Function<Path, List<Problem>> problemReader;
    private final BackendFactory backends;

    public CandidatesCommand() {
        this(Wiring.verifiers(), Wiring.problemReader(), Wiring.backends());
    }

    public CandidatesCommand(Function<String, Verifier> verifiers, Function<Path, List<Problem>> problemReader,
                             BackendFactory backends) {
        this.verifiers = verifiers;
        this.problemReader = problemReader;
        this.backends = backends;
    }

    @Override
    public Integer call() {
        CandidatesConfig cfg = CandidatesConfig.load(options.config, options.overrides);
        CandidatePool pool = new CandidatePool(cfg, problemReader, verifiers, backends);
        StateMetrics m;
        if (noProgress) {
            m = pool.run(RsaLoop.Listener.NONE);
        } else {
            try (ConsoleProgress progress = new ConsoleProgress(System.err)) {
                m = pool.run(progress);
            }
        }
        spec.commandLine().getOut().println(String.format(Locale.ROOT,
                "wrote %d candidates (%d problems x %d) to %s: mean score %.4f, problems with a correct candidate %.4f",
                m.calls(), m.problems(), cfg.candidates().perProblem(), cfg.output(), m.pass1(), m.passN()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
