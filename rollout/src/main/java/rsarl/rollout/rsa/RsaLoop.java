package rsarl.rollout.rsa;

import rsarl.model.SamplingParams;
import rsarl.rewards.Grade;
import rsarl.rewards.Problem;
import rsarl.rewards.Verifier;
import rsarl.rollout.backend.Backend;
import rsarl.rollout.backend.BackendResult;
import rsarl.rollout.backend.ChatRequest;
import rsarl.rollout.prompt.AggregationTemplate;
import rsarl.rollout.prompt.PromptBuilder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The Recursive Self-Aggregation loop for one seed: state 1 samples N solutions per problem from the
 * standard prompt; each later state replaces the whole population with N aggregations, each of K
 * distinct members of the previous population drawn uniformly. All problems x N slots of a state go
 * to the backend as one batch. Finished requests found in the log are reused, not sent again.
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

    /** Progress hooks; called on the loop's thread except {@link #generated}, which backends may call concurrently. */
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

    /** Runs all T states for {@code seed}, logging every new generation; returns the metrics of each state. */
    public List<StateMetrics> run(List<Problem> problems, long seed, GenerationLog log, Listener listener) {
        checkUniqueIds(problems);
        int n = settings.population();
        List<StateMetrics> metrics = new ArrayList<>();
        Generation[][] previous = null;
        long calls = 0;
        long promptTokens = 0;
        long completionTokens = 0;
        for (int step = 1; step <= settings.steps(); step++) {
            Generation[][] current = new Generation[problems.size()][n];
            List<ChatRequest> requests = new ArrayList<>();
            List<int[]> targets = new ArrayList<>(); // {problem index, slot}
            List<List<Integer>> targetParents = new ArrayList<>();
            for (int p = 0; p < problems.size(); p++) {
                Problem problem = problems.get(p);
                for (int slot = 0; slot < n; slot++) {
                    List<Integer> parents = step == 1 ? List.of()
                            : boxed(SubsetSampler.parents(seed, step, problem.id(), slot, n, settings.k()));
                    Generation done = log.get(new Generation.Key(problem.id(), seed, step, slot));
                    if (done != null) {
                        if (!done.parents().equals(parents)) {
                            throw new IllegalStateException(log.file() + ": problem " + problem.id() + " seed " + seed
                                    + " step " + step + " slot " + slot + " was aggregated from slots " + done.parents()
                                    + " but this config draws " + parents
                                    + "; the output directory holds a different run");
                        }
                        current[p][slot] = done;
                        continue;
                    }
                    String prompt = step == 1 ? PromptBuilder.standardPrompt(problem)
                            : settings.template().render(problem, responses(previous[p], parents));
                    requests.add(ChatRequest.user(prompt, settings.sampling(),
                            DerivedSeeds.requestSeed(seed, step, problem.id(), slot)));
                    targets.add(new int[]{p, slot});
                    targetParents.add(parents);
                }
            }
            listener.stateStarted(seed, step, settings.steps(), problems.size() * n,
                    problems.size() * n - requests.size());
            final int state = step;
            if (!requests.isEmpty()) {
                backend.generate(requests, (index, result) -> {
                    int[] target = targets.get(index);
                    Problem problem = problems.get(target[0]);
                    Generation g = grade(problem, seed, state, target[1], targetParents.get(index), result);
                    log.append(g);
                    current[target[0]][target[1]] = g;
                    listener.generated(g);
                });
            }
            List<ProblemMetrics> perProblem = new ArrayList<>(problems.size());
            for (int p = 0; p < problems.size(); p++) {
                for (int slot = 0; slot < n; slot++) {
                    Generation g = current[p][slot];
                    if (g == null) {
                        throw new IllegalStateException(backend.describe() + " returned no result for problem "
                                + problems.get(p).id() + " slot " + slot);
                    }
                    calls++;
                    promptTokens += Math.max(0, g.promptTokens());
                    completionTokens += Math.max(0, g.completionTokens());
                }
                perProblem.add(ProblemMetrics.of(Arrays.asList(current[p]), problems.get(p), verifier(problems.get(p))));
            }
            StateMetrics m = StateMetrics.average(seed, step, perProblem, calls, promptTokens, completionTokens);
            metrics.add(m);
            listener.stateFinished(m);
            previous = current; // the new population replaces the old one entirely
        }
        return metrics;
    }

    private Generation grade(Problem problem, long seed, int step, int slot, List<Integer> parents, BackendResult r) {
        Grade grade = verifier(problem).grade(r.text(), problem);
        return new Generation(problem.id(), seed, step, slot, parents, r.text(), grade.extracted(), grade.score(),
                r.promptTokens(), r.completionTokens(), r.finishReason());
    }

    private Verifier verifier(Problem problem) {
        return verifierCache.computeIfAbsent(problem.task(), verifiers);
    }

    private static List<String> responses(Generation[] population, List<Integer> parents) {
        List<String> out = new ArrayList<>(parents.size());
        for (int slot : parents) {
            out.add(population[slot].response());
        }
        return out;
    }

    private static List<Integer> boxed(int[] values) {
        return Arrays.stream(values).boxed().toList();
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
