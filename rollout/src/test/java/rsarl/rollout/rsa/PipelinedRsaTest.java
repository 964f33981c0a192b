package rsarl.rollout.rsa;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.SamplingParams;
import rsarl.rewards.Problem;
import rsarl.rollout.BoxedVerifier;
import rsarl.rollout.FakeBackend;
import rsarl.rollout.TinyModel;
import rsarl.rollout.backend.Backend;
import rsarl.rollout.backend.BackendResult;
import rsarl.rollout.backend.ChatRequest;
import rsarl.rollout.backend.LocalBackend;
import rsarl.rollout.backend.LocalEngine;
import rsarl.rollout.backend.RequestFeed;
import rsarl.rollout.backend.ResultListener;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RSA states pipelined across problems give the populations and metrics of running the states one by one. */
class PipelinedRsaTest {
    @TempDir
    Path dir;

    static final List<Problem> PROBLEMS = List.of(
            Problem.of("a", "Compute a. Put your final answer within \\boxed{}.", "1", "math"),
            Problem.of("b", "Compute b quickly, then check it. Put your final answer within \\boxed{}.", "2", "math"),
            Problem.of("c", "c? \\boxed{}", "3", "math"),
            Problem.of("d", "Compute d, the sum of one and two and three and four. Answer in \\boxed{}.", "10", "math"),
            Problem.of("e", "Compute e. Put your final answer within \\boxed{}.", "0", "math"));

    /** Only the list call: the loop sends each state as one call, and this sends every request of it alone. */
    static final class OneByOne implements Backend {
        final Backend inner;

        OneByOne(Backend inner) {
            this.inner = inner;
        }

        @Override
        public List<BackendResult> generate(List<ChatRequest> requests, ResultListener listener) {
            List<BackendResult> out = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                BackendResult r = inner.generate(List.of(requests.get(i))).get(0);
                out.add(r);
                listener.onResult(i, r);
            }
            return out;
        }

        @Override
        public String describe() {
            return "one by one";
        }

        @Override
        public void close() {
        }
    }

    /** Takes every ready request and answers the newest first: later states overtake earlier ones. */
    static final class NewestFirst implements Backend {
        final List<ChatRequest> sent = new ArrayList<>();
        final int drop;

        NewestFirst(int drop) {
            this.drop = drop;
        }

        @Override
        public void generate(RequestFeed feed) {
            ArrayDeque<RequestFeed.Item> stack = new ArrayDeque<>();
            while (true) {
                for (RequestFeed.Item item = feed.poll(); item != null; item = feed.poll()) stack.push(item);
                if (stack.isEmpty()) return;
                RequestFeed.Item item = stack.pop();
                sent.add(item.request());
                if (sent.size() != drop) item.done().accept(FakeBackend.reply(item.request()));
            }
        }

        @Override
        public List<BackendResult> generate(List<ChatRequest> requests, ResultListener listener) {
            throw new AssertionError("the loop hands its work over as a feed");
        }

        @Override
        public String describe() {
            return "newest first";
        }

        @Override
        public void close() {
        }
    }

    /** Records the order of the listener's calls. */
    static final class Events implements RsaLoop.Listener {
        final List<Integer> started = new ArrayList<>();
        final List<Integer> finished = new ArrayList<>();

        @Override
        public void stateStarted(long seed, int step, int steps, int requests, int reused) {
            started.add(step);
        }

        @Override
        public void stateFinished(StateMetrics metrics) {
            finished.add(metrics.step());
        }
    }

    private record Run(List<Generation> generations, List<StateMetrics> metrics) {
    }

    private Run run(Backend backend, String name, RsaLoop.Settings settings, RsaLoop.Listener listener) {
        try (GenerationLog log = GenerationLog.open(dir.resolve(name + ".jsonl"))) {
            List<StateMetrics> m = new RsaLoop(backend, task -> new BoxedVerifier(), settings)
                    .run(PROBLEMS, 7, log, listener);
            List<Generation> all = log.all().stream().sorted(Comparator.comparing(Generation::problemId)
                    .thenComparing(Generation::step).thenComparing(Generation::slot)).toList();
            return new Run(all, m);
        }
    }

    @Test
    void localContinuousBatchingGivesTheSequentialPopulationsAndMetrics() {
        Path model = TinyModel.create(dir.resolve("tiny"), 3);
        // "e" as a stop string ends rows at different steps, so rows leave and join the running batch mid-way.
        SamplingParams sampling = new SamplingParams(1.0, 1.0, 0, 0.0, 16, List.of(), List.of("e"));
        RsaLoop.Settings settings = new RsaLoop.Settings(3, 2, 3, sampling);
        Run sequential;
        Run pipelined;
        try (LocalBackend local = new LocalBackend(LocalEngine.load(model, "cpu"), 4, 2000)) {
            sequential = run(new OneByOne(local), "sequential", settings, RsaLoop.Listener.NONE);
            long before = local.joinedRows();
            pipelined = run(local, "pipelined", settings, RsaLoop.Listener.NONE);
            assertTrue(local.joinedRows() > before, "rows should join the running batch between steps");
        }
        assertEquals(PROBLEMS.size() * 3 * 3, pipelined.generations().size());
        assertEquals(sequential.generations(), pipelined.generations());
        assertEquals(sequential.metrics(), pipelined.metrics());
        Set<Integer> lengths = pipelined.generations().stream().map(Generation::completionTokens)
                .collect(Collectors.toSet());
        assertTrue(lengths.size() > 3, "rows should end at different steps: " + lengths);
    }

    @Test
    void aProblemsNextStateGoesOutBeforeOtherProblemsFinishTheirsWithTheSameResults() {
        RsaLoop.Settings settings = new RsaLoop.Settings(4, 2, 3, SamplingParams.of(1.0, 1.0, 64));
        Run states = run(new FakeBackend(), "states", settings, RsaLoop.Listener.NONE);
        NewestFirst backend = new NewestFirst(-1);
        Events events = new Events();
        Run overtaken = run(backend, "overtaken", settings, events);
        assertEquals(states.generations(), overtaken.generations());
        assertEquals(states.metrics(), overtaken.metrics());
        List<Boolean> aggregation = backend.sent.stream()
                .map(r -> r.messages().get(0).content().contains("Candidate")).toList();
        assertTrue(aggregation.indexOf(true) < aggregation.lastIndexOf(false),
                "an aggregation request should overtake a first-state request: " + aggregation);
        assertEquals(List.of(1, 2, 3), events.started);
        assertEquals(List.of(1, 2, 3), events.finished);
    }

    @Test
    void aDroppedResultIsAnErrorNamingTheProblem() {
        RsaLoop.Settings settings = new RsaLoop.Settings(2, 1, 2, SamplingParams.of(1.0, 1.0, 64));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> run(new NewestFirst(3), "dropped", settings, RsaLoop.Listener.NONE));
        assertTrue(e.getMessage().startsWith("newest first returned no result for problem "), e.getMessage());
    }
}
