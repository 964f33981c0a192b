package rsarl.rollout.rsa;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.SamplingParams;
import rsarl.rewards.Problem;
import rsarl.rollout.BoxedVerifier;
import rsarl.rollout.FakeBackend;
import rsarl.rollout.backend.Backend;
import rsarl.rollout.backend.BackendResult;
import rsarl.rollout.backend.ChatRequest;
import rsarl.rollout.backend.ResultListener;
import rsarl.rollout.prompt.AggregationTemplate;
import rsarl.rollout.prompt.PromptBuilder;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RsaLoopTest {
    @TempDir
    Path dir;

    static final List<Problem> PROBLEMS = List.of(
            Problem.of("a", "Compute a. Put your final answer within \\boxed{}.", "1", "math"),
            Problem.of("b", "Compute b. Put your final answer within \\boxed{}.", "2", "math"),
            Problem.of("c", "Compute c. Put your final answer within \\boxed{}.", "3", "math"));

    static RsaLoop.Settings settings(int n, int k, int t) {
        return new RsaLoop.Settings(n, k, t, SamplingParams.of(1.0, 1.0, 64));
    }

    /** Records each batch; replies "slot-marker" texts so prompts can be traced back to their parents. */
    static final class BatchRecorder implements Backend {
        final List<List<ChatRequest>> batches = new ArrayList<>();
        int counter;

        @Override
        public List<BackendResult> generate(List<ChatRequest> requests, ResultListener listener) {
            batches.add(requests);
            List<BackendResult> out = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                BackendResult r = new BackendResult("reply#" + (counter++) + " \\boxed{" + (counter % 3) + "}", 3, 7, "stop");
                out.add(r);
                listener.onResult(i, r);
            }
            return out;
        }

        @Override
        public String describe() {
            return "recorder";
        }

        @Override
        public void close() {
        }
    }

    @Test
    void eachStateIsOneBatchAndReplacesThePopulation() {
        BatchRecorder backend = new BatchRecorder();
        int n = 4;
        int k = 3;
        int t = 3;
        List<StateMetrics> metrics;
        try (GenerationLog log = GenerationLog.open(dir.resolve("g.jsonl"))) {
            metrics = new RsaLoop(backend, task -> new BoxedVerifier(), settings(n, k, t))
                    .run(PROBLEMS, 5, log, RsaLoop.Listener.NONE);
            assertEquals(PROBLEMS.size() * n * t, log.size());
            assertEquals(t, backend.batches.size());
            for (List<ChatRequest> batch : backend.batches) {
                assertEquals(PROBLEMS.size() * n, batch.size()); // all problems x N slots together
            }
            // State 1 prompts are the standard prompts.
            for (int i = 0; i < batch(backend, 1).size(); i++) {
                assertEquals(PromptBuilder.standardPrompt(PROBLEMS.get(i / n)), text(batch(backend, 1).get(i)));
            }
            // States 2..T: each prompt shows exactly the drawn parents of the previous state, in drawn order.
            for (int step = 2; step <= t; step++) {
                for (Problem p : PROBLEMS) {
                    Map<Integer, Generation> prev = bySlot(log, p.id(), 5, step - 1);
                    for (int slot = 0; slot < n; slot++) {
                        Generation g = log.get(new Generation.Key(p.id(), 5, step, slot));
                        int[] drawn = SubsetSampler.parents(5, step, p.id(), slot, n, k);
                        assertEquals(List.of(drawn[0], drawn[1], drawn[2]), g.parents());
                        List<String> cands = g.parents().stream().map(s -> prev.get(s).response()).toList();
                        String expected = PromptBuilder.aggregationPrompt(p, cands);
                        int index = PROBLEMS.indexOf(p) * n + slot;
                        assertEquals(expected, text(batch(backend, step).get(index)));
                        assertEquals(DerivedSeeds.requestSeed(5, step, p.id(), slot), batch(backend, step).get(index).seed());
                    }
                }
            }
        }
        assertEquals(t, metrics.size());
        assertEquals(PROBLEMS.size() * n * 3L, metrics.get(2).calls());
        assertEquals(PROBLEMS.size() * n * 3L * 7, metrics.get(2).completionTokens());
        assertEquals(7.0, metrics.get(0).meanResponseTokens());
    }

    @Test
    void aggregationStatesUseTheConfiguredTemplate() {
        BatchRecorder backend = new BatchRecorder();
        RsaLoop.Settings compact = new RsaLoop.Settings(3, 2, 2, SamplingParams.of(1.0, 1.0, 64),
                AggregationTemplate.COMPACT);
        try (GenerationLog log = GenerationLog.open(dir.resolve("g.jsonl"))) {
            new RsaLoop(backend, task -> new BoxedVerifier(), compact).run(PROBLEMS, 5, log, RsaLoop.Listener.NONE);
            Problem p = PROBLEMS.get(0);
            Generation g = log.get(new Generation.Key(p.id(), 5, 2, 0));
            Map<Integer, Generation> prev = bySlot(log, p.id(), 5, 1);
            List<String> cands = g.parents().stream().map(s -> prev.get(s).response()).toList();
            String sent = text(batch(backend, 2).get(0));
            assertEquals(AggregationTemplate.COMPACT.render(p, cands), sent);
            assertTrue(sent.startsWith(PromptBuilder.standardPrompt(p)) && sent.contains("[2]\n" + cands.get(1)), sent);
        }
    }

    @Test
    void metricsMatchAHandCountOfTheLog() {
        FakeBackend backend = new FakeBackend();
        int n = 6;
        try (GenerationLog log = GenerationLog.open(dir.resolve("g.jsonl"))) {
            List<StateMetrics> metrics = new RsaLoop(backend, task -> new BoxedVerifier(), settings(n, 2, 4))
                    .run(PROBLEMS, 11, log, RsaLoop.Listener.NONE);
            for (StateMetrics m : metrics) {
                double pass1 = 0;
                double passN = 0;
                for (Problem p : PROBLEMS) {
                    List<Generation> pop = new ArrayList<>(bySlot(log, p.id(), 11, m.step()).values());
                    pass1 += pop.stream().mapToDouble(Generation::score).average().orElseThrow();
                    passN += pop.stream().anyMatch(g -> g.score() == 1) ? 1 : 0;
                    for (Generation g : pop) {
                        assertEquals(g.extracted().equals(p.answer()) ? 1.0 : 0.0, g.score());
                    }
                }
                assertEquals(pass1 / PROBLEMS.size(), m.pass1(), 1e-12);
                assertEquals(passN / PROBLEMS.size(), m.passN(), 1e-12);
                assertEquals(n * PROBLEMS.size() * (long) m.step(), m.calls());
            }
        }
    }

    @Test
    void sameSeedReproducesDifferentSeedDiffers() {
        List<Generation> a = runAll(dir.resolve("a.jsonl"), 3);
        List<Generation> b = runAll(dir.resolve("b.jsonl"), 3);
        List<Generation> c = runAll(dir.resolve("c.jsonl"), 4);
        assertEquals(a, b);
        assertTrue(!a.stream().map(Generation::parents).toList().equals(c.stream().map(Generation::parents).toList()));
    }

    @Test
    void refineAndParallelBaselines() {
        BatchRecorder k1 = new BatchRecorder();
        try (GenerationLog log = GenerationLog.open(dir.resolve("k1.jsonl"))) {
            new RsaLoop(k1, task -> new BoxedVerifier(), settings(3, 1, 2)).run(PROBLEMS, 1, log, RsaLoop.Listener.NONE);
            for (ChatRequest r : batch(k1, 2)) {
                assertTrue(text(r).contains("one candidate solution"));
            }
            assertTrue(log.all().stream().filter(g -> g.step() == 2).allMatch(g -> g.parents().size() == 1));
        }
        BatchRecorder t1 = new BatchRecorder();
        try (GenerationLog log = GenerationLog.open(dir.resolve("t1.jsonl"))) {
            List<StateMetrics> m = new RsaLoop(t1, task -> new BoxedVerifier(), settings(5, 4, 1))
                    .run(PROBLEMS, 1, log, RsaLoop.Listener.NONE);
            assertEquals(1, t1.batches.size());
            assertEquals(1, m.size());
        }
    }

    @Test
    void duplicateProblemIdsAreRejected() {
        List<Problem> dup = List.of(PROBLEMS.get(0), PROBLEMS.get(0));
        try (GenerationLog log = GenerationLog.open(dir.resolve("d.jsonl"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                    new RsaLoop(new FakeBackend(), task -> new BoxedVerifier(), settings(2, 1, 1))
                            .run(dup, 1, log, RsaLoop.Listener.NONE));
            assertTrue(e.getMessage().contains("'a'"));
        }
    }

    private List<Generation> runAll(Path file, long seed) {
        try (GenerationLog log = GenerationLog.open(file)) {
            new RsaLoop(new FakeBackend(), task -> new BoxedVerifier(), settings(5, 3, 3))
                    .run(PROBLEMS, seed, log, RsaLoop.Listener.NONE);
            return log.all().stream().map(g -> new Generation(g.problemId(), 0, g.step(), g.slot(), g.parents(),
                    g.response(), g.extracted(), g.score(), g.promptTokens(), g.completionTokens(), g.finishReason()))
                    .sorted(Comparator.comparing((Generation g) -> g.problemId()).thenComparing(Generation::step)
                            .thenComparing(Generation::slot)).toList();
        }
    }

    static Map<Integer, Generation> bySlot(GenerationLog log, String problemId, long seed, int step) {
        Map<Integer, Generation> out = new HashMap<>();
        for (Generation g : log.state(seed, step)) {
            if (g.problemId().equals(problemId)) {
                out.put(g.slot(), g);
            }
        }
        return new java.util.TreeMap<>(out);
    }

    private static List<ChatRequest> batch(BatchRecorder b, int step) {
        return b.batches.get(step - 1);
    }

    private static String text(ChatRequest r) {
        return r.messages().get(0).content();
    }
}
