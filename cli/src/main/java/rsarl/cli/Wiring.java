package rsarl.cli;

import rsarl.rewards.Problem;
import rsarl.rewards.ProblemReader;
import rsarl.rewards.Verifier;
import rsarl.rewards.Verifiers;
import rsarl.rollout.backend.BackendFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * The one place where the commands get their verifiers, problem reader and backends. The rewards
 * module's {@code Verifiers.forTask} / {@code ProblemReader.read} and the local-model backend plug in here.
 */
final class Wiring {
    private Wiring() {
    }

    static Function<String, Verifier> verifiers() {
        return Verifiers::forTask;
    }

    static Function<Path, List<Problem>> problemReader() {
        return ProblemReader::read;
    }

    static BackendFactory backends() {
        return BackendFactory.builtIn();
    }
}
