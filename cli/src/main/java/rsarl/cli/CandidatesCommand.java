package rsarl.cli;

import picocli.CommandLine.Command;
import rsarl.rewards.Problem;
import rsarl.rewards.Verifier;
import rsarl.rollout.backend.BackendFactory;
import rsarl.rollout.candidates.CandidatePool;
import rsarl.rollout.config.CandidatesConfig;
import rsarl.rollout.rsa.StateMetrics;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** {@code rsa candidates --config FILE.yaml}: candidate pools for aggregation-aware training. */
@Command(name = "candidates", mixinStandardHelpOptions = true,
        description = "Sample M solutions per problem from a reference model into a JSONL candidate pool.")
public final class CandidatesCommand extends RolloutCommand {

    public CandidatesCommand() {
        this(Wiring.verifiers(), Wiring.problemReader(), Wiring.backends());
    }

    public CandidatesCommand(Function<String, Verifier> verifiers, Function<Path, List<Problem>> problemReader,
                             BackendFactory backends) {
        super(verifiers, problemReader, backends);
    }

    @Override
    public Integer call() {
        java.nio.file.Path file = options.configOrPrint(spec, CandidatesConfig.class, "candidates-defaults.yaml");
        if (file == null) {
            return 0;
        }
        CandidatesConfig cfg = CandidatesConfig.loadToRun(file, options.overrides);
        CandidatePool pool = new CandidatePool(cfg, problemReader, verifiers, backends);
        StateMetrics m = withProgress(pool::run);
        spec.commandLine().getOut().println(String.format(Locale.ROOT,
                "wrote %d candidates (%d problems x %d) to %s: mean score %.4f, problems with a correct candidate %.4f",
                m.calls(), m.problems(), cfg.candidates().perProblem(), cfg.output(), m.pass1(), m.passN()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
