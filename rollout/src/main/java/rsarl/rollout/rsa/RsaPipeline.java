package rsarl.rollout.rsa;

import rsarl.rewards.Problem;
import rsarl.rewards.Verifier;
import rsarl.rollout.backend.BackendResult;
import rsarl.rollout.backend.ChatRequest;
import rsarl.rollout.backend.RequestFeed;
import rsarl.rollout.prompt.PromptBuilder;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * One seed of RSA as a {@link RequestFeed}: every problem moves through its states on its own, so a problem's next
 * state is ready as soon as its own previous state is done, while other problems are still in earlier states. The
 * requests, their seeds and parents depend only on (seed, step, problem, slot), so the populations and metrics are
 * those of running the states one after another, however the backend interleaves them.
 */
final class RsaPipeline implements RequestFeed {
    /** Grades one result into a generation (called outside the lock, possibly from a backend's threads). */
    interface Grader {
        Generation grade(Problem problem, long seed, int step, int slot, List<Integer> parents, BackendResult r);
    }

    private final List<Problem> problems;
    private final long seed;
    private final RsaLoop.Settings settings;
    private final GenerationLog log;
    private final RsaLoop.Listener listener;
    private final Grader grader;
    private final Function<Problem, Verifier> verifier;
    private final int n;
    private final int steps;
    /** population[step - 1][problem][slot]; a state is dropped once the next one of that problem is done. */
    private final Generation[][][] population;
    private final int[][][] parents;
    private final int[] reused;
    private final int[] missing;
    private final int[] problemsDone;
    private final boolean[] started;
    private final ProblemMetrics[][] perProblem;
    private final long[] promptTokens;
    private final long[] completionTokens;
    private final ArrayDeque<Item> ready = new ArrayDeque<>();
    private final List<StateMetrics> metrics = new ArrayList<>();

    RsaPipeline(List<Problem> problems, long seed, RsaLoop.Settings settings, GenerationLog log,
                RsaLoop.Listener listener, Grader grader, Function<Problem, Verifier> verifier) {
        this.problems = problems;
        this.seed = seed;
        this.settings = settings;
        this.log = log;
        this.listener = listener;
        this.grader = grader;
        this.verifier = verifier;
        this.n = settings.population();
        this.steps = settings.steps();
        int p = problems.size();
        population = new Generation[steps][p][];
        parents = new int[steps][p * n][];
        reused = new int[steps];
        missing = new int[p];
        problemsDone = new int[steps];
        started = new boolean[steps];
        perProblem = new ProblemMetrics[steps][p];
        promptTokens = new long[steps];
        completionTokens = new long[steps];
        checkLog();
    }

    /** Draws every slot's parents and checks the logged generations against them before anything is sent. */
    private void checkLog() {
        for (int step = 1; step <= steps; step++) {
            for (int p = 0; p < problems.size(); p++) {
                Problem problem = problems.get(p);
                for (int slot = 0; slot < n; slot++) {
                    int[] drawn = step == 1 ? new int[0]
                            : SubsetSampler.parents(seed, step, problem.id(), slot, n, settings.k());
                    parents[step - 1][p * n + slot] = drawn;
                    Generation done = log.get(new Generation.Key(problem.id(), seed, step, slot));
                    if (done == null) continue;
                    if (!done.parents().equals(boxed(drawn))) {
                        throw new IllegalStateException(log.file() + ": problem " + problem.id() + " seed " + seed
                                + " step " + step + " slot " + slot + " was aggregated from slots " + done.parents()
                                + " but this config draws " + boxed(drawn)
                                + "; the output directory holds a different run");
                    }
                    reused[step - 1]++;
                }
            }
        }
    }

    /** Puts every problem's first state in the queue (reused states are passed through at once). */
    synchronized void start() {
        for (int p = 0; p < problems.size(); p++) {
            enter(p, 1);
        }
    }

    @Override
    public synchronized Item poll() {
        return ready.poll();
    }

    /** Every state's metrics, in state order (complete once the backend drained the feed). */
    synchronized List<StateMetrics> metrics() {
        return List.copyOf(metrics);
    }

    /** The first problem and slot without a result, for the error when a backend drops one; null when none. */
    synchronized String firstMissing() {
        for (int step = 1; step <= steps; step++) {
            for (int p = 0; p < problems.size(); p++) {
                Generation[] pop = population[step - 1][p];
                if (pop == null && perProblem[step - 1][p] == null) return "problem " + problems.get(p).id() + " slot 0";
                for (int slot = 0; pop != null && slot < n; slot++) {
                    if (pop[slot] == null) return "problem " + problems.get(p).id() + " slot " + slot;
                }
            }
        }
        return null;
    }

    private void enter(int p, int step) {
        if (!started[step - 1]) {
            started[step - 1] = true;
            listener.stateStarted(seed, step, steps, problems.size() * n, reused[step - 1]);
        }
        Problem problem = problems.get(p);
        Generation[] current = new Generation[n];
        population[step - 1][p] = current;
        int waiting = 0;
        for (int slot = 0; slot < n; slot++) {
            List<Integer> from = boxed(parents[step - 1][p * n + slot]);
            Generation done = log.get(new Generation.Key(problem.id(), seed, step, slot));
            if (done != null) {
                current[slot] = done;
                continue;
            }
            String prompt = step == 1 ? PromptBuilder.standardPrompt(problem)
                    : settings.template().render(problem, responses(population[step - 2][p], from));
            ChatRequest request = ChatRequest.user(prompt, settings.sampling(),
                    DerivedSeeds.requestSeed(seed, step, problem.id(), slot));
            int s = slot;
            ready.add(new Item(request, r -> finished(p, step, s, from, r)));
            waiting++;
        }
        missing[p] = waiting;
        if (waiting == 0) stateDone(p, step);
    }

    private void finished(int p, int step, int slot, List<Integer> from, BackendResult r) {
        Generation g = grader.grade(problems.get(p), seed, step, slot, from, r);
        synchronized (this) {
            log.append(g);
            population[step - 1][p][slot] = g;
            listener.generated(g);
            if (--missing[p] == 0) stateDone(p, step);
        }
    }

    /** Problem p has its whole population of {@code step}: score it, close the state if it was the last, go on. */
    private void stateDone(int p, int step) {
        Generation[] pop = population[step - 1][p];
        for (Generation g : pop) {
            promptTokens[step - 1] += Math.max(0, g.promptTokens());
            completionTokens[step - 1] += Math.max(0, g.completionTokens());
        }
        perProblem[step - 1][p] = ProblemMetrics.of(Arrays.asList(pop), problems.get(p), verifier.apply(problems.get(p)));
        if (step >= 2) population[step - 2][p] = null; // the new population replaces the old one entirely
        if (++problemsDone[step - 1] == problems.size()) {
            long prompt = 0;
            long completion = 0;
            for (int s = 0; s < step; s++) {
                prompt += promptTokens[s];
                completion += completionTokens[s];
            }
            StateMetrics m = StateMetrics.average(seed, step, Arrays.asList(perProblem[step - 1]),
                    (long) problems.size() * n * step, prompt, completion);
            metrics.add(m);
            listener.stateFinished(m);
        }
        if (step < steps) enter(p, step + 1);
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
}
