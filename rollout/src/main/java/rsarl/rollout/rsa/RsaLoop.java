package rsarl.rollout.rsa;

import rsarl.model.SamplingParams;
import rsarl.rewards.Grade;
import rsarl.rewards.Problem;
import rsarl.rewards.Verifier;
import rsarl.rollout.backend.Backend;
import rsarl.rollout.backend.BackendResult;
import rsarl.rollout.prompt.AggregationTemplate;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The Recursive Self-Aggregation loop for one seed: state 1 samples N solutions per problem from the
 * standard prompt; each later state replaces the whole population with N aggregations, each of K
 * distinct members of the previous population drawn uniformly. Each problem's state goes to the backend as soon
 * as its previous state is done; a backend without continuous batching gets all problems x N slots of a state as
 * one batch. Finished requests found in the log are reused, not sent again.
 */
public final class RsaLoop {

    /** Population N, subset size K, states T, the sampling settings of every request, the aggregation prompt. */
    public record Settings(int population, int k, int steps, SamplingParams sampling, AggregationTemplate template) {
        public Settings(int population, int k, int steps, SamplingParams sampling) {
            this(population, k, steps, sampling, AggregationTemplate.DEFAULT);
        }

        public Settings {
            if (population < 1 || k < 1 || k > population || steps < 1) {
                throw new IllegalArgumentException("need 1 <= k <= population and steps >= 1, got N=" + population
                        + " K=" + k + " T=" + steps);
            }
        }
    }

    /**
     * Progress hooks, called one at a time (under the loop's lock, possibly from a backend's thread). States overlap:
     * state t+1 may start before state t finished, but each kind of call comes in state order.
     */
    public interface Listener {
        Listener NONE = new Listener() {
        };

        default void stateStarted(long seed, int step, int steps, int requests, int reused) {
        }

        default void generated(Generation generation) {
        }

        default void stateFinished(StateMetrics metrics) {
        }
    }

    private final Backend backend;
    private final Function<String, Verifier> verifiers;
    private final Settings settings;
    private final Map<String, Verifier> verifierCache = new ConcurrentHashMap<>();

    public RsaLoop(Backend backend, Function<String, Verifier> verifiers, Settings settings) {
        this.backend = backend;
        this.verifiers = verifiers;
        this.settings = settings;
    }

    /**
     * Runs all T states for {@code seed}, logging every new generation; returns the metrics of each state. A
     * problem's next state is sent as soon as its own previous state is done ({@link RsaPipeline}).
     */
    public List<StateMetrics> run(List<Problem> problems, long seed, GenerationLog log, Listener listener) {
        checkUniqueIds(problems);
        RsaPipeline pipeline = new RsaPipeline(problems, seed, settings, log, listener, this::grade, this::verifier);
        pipeline.start();
        backend.generate(pipeline);
        String missing = pipeline.firstMissing();
        if (missing != null) {
            throw new IllegalStateException(backend.describe() + " returned no result for " + missing);
        }
        return pipeline.metrics();
    }

    private Generation grade(Problem problem, long seed, int step, int slot, List<Integer> parents, BackendResult r) {
        Grade grade = verifier(problem).grade(r.text(), problem);
        return new Generation(problem.id(), seed, step, slot, parents, r.text(), grade.extracted(), grade.score(),
                r.promptTokens(), r.completionTokens(), r.finishReason());
    }

    private Verifier verifier(Problem problem) {
        return verifierCache.computeIfAbsent(problem.task(), verifiers);
    }

    static void checkUniqueIds(List<Problem> problems) {
        Set<String> seen = new HashSet<>();
        for (Problem p : problems) {
            if (p.id() == null || p.id().isBlank()) {
                throw new IllegalArgumentException("a problem has no id");
            }
            if (!seen.add(p.id())) {
                throw new IllegalArgumentException("duplicate problem id '" + p.id() + "'");
            }
        }
    }
}
