package rsarl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rsarl.rewards.bench.RewardBench;

import java.util.concurrent.Callable;

/** Hidden {@code rsa bench-rewards}: verifier throughput and code sandbox round trip, as JSON. */
@Command(name = "bench-rewards", hidden = true, mixinStandardHelpOptions = true,
        description = "Benchmark the reward functions (one thread) and print JSON.")
final class BenchRewardsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--seconds", defaultValue = "3", description = "measuring time for math (default ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--code-runs", defaultValue = "20", description = "code sandbox round trips (default ${DEFAULT-VALUE})")
    int codeRuns;

    @Override
    public Integer call() throws Exception {
        spec.commandLine().getOut().println(new ObjectMapper().writeValueAsString(RewardBench.run(seconds, codeRuns)));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
