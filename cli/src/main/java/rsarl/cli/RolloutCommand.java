package rsarl.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rsarl.rewards.Problem;
import rsarl.rewards.Verifier;
import rsarl.rollout.backend.BackendFactory;
import rsarl.rollout.eval.ConsoleProgress;
import rsarl.rollout.rsa.RsaLoop;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * What the commands that sample over a problems file ({@code eval}, {@code candidates}) share: {@code --config} and
 * {@code --set}, {@code --no-progress}, and the wiring (verifiers, problem reader, backends) that tests replace.
 */
abstract class RolloutCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--no-progress", description = "no progress bar on stderr")
    boolean noProgress;

    @Spec
    CommandSpec spec;

    final Function<String, Verifier> verifiers;
    final Function<Path, List<Problem>> problemReader;
    final BackendFactory backends;

    RolloutCommand(Function<String, Verifier> verifiers, Function<Path, List<Problem>> problemReader,
            BackendFactory backends) {
        this.verifiers = verifiers;
        this.problemReader = problemReader;
        this.backends = backends;
    }

    /** Runs {@code job} with a progress bar on stderr, or silently with {@code --no-progress}. */
    <T> T withProgress(Function<RsaLoop.Listener, T> job) {
        if (noProgress) {
            return job.apply(RsaLoop.Listener.NONE);
        }
        try (ConsoleProgress progress = new ConsoleProgress(System.err)) {
            return job.apply(progress);
        }
    }
}
