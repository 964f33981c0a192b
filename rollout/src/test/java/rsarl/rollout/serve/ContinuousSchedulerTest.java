package rsarl.rollout.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.model.Generator;
import rsarl.model.QwenModel;
import rsarl.model.SamplingParams;
import rsarl.rollout.TinyModel;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A row submitted while a batch decodes joins it, gets its solo tokens, and is answered when it ends. */
class ContinuousSchedulerTest {
    @Test
    void aLateRowJoinsTheRunningBatchAndFinishesFirst(@TempDir Path tmp) throws Exception {
        try (QwenModel model = QwenModel.load(TinyModel.create(tmp.resolve("m"), 5))) {
            Generator gen = new Generator(model);
            // no eos in the stop set can end these early: the model's eos ids are not stop ids of a raw request
            GenerationRequest longRow = new GenerationRequest(new int[] {3, 4, 5, 6, 7}, SamplingParams.of(1.0, 1.0, 120), 1);
            GenerationRequest lateRow = new GenerationRequest(new int[] {9, 8}, SamplingParams.greedy(4), 2);
            Completion longSolo = gen.generate(List.of(longRow)).get(0);
            Completion lateSolo = gen.generate(List.of(lateRow)).get(0);
            assertTrue(longSolo.tokenIds().length >= 60, "the first row runs long: " + longSolo.tokenIds().length);
            CountDownLatch started = new CountDownLatch(3);
            try (BatchScheduler s = new BatchScheduler(gen, 8, Duration.ZERO, Duration.ZERO, 100, 10_000)) {
                CompletableFuture<Completion> first = s.submit(List.of(longRow),
                        List.of((req, index, token, lp, ti, tl) -> started.countDown())).get(0);
                assertTrue(started.await(60, TimeUnit.SECONDS));
                CompletableFuture<Completion> late = s.submit(List.of(lateRow)).get(0);
                Completion lateDone = late.get(60, TimeUnit.SECONDS);
                assertFalse(first.isDone(), "the late row was answered while the first still decodes");
                Completion firstDone = first.get(60, TimeUnit.SECONDS);
                assertArrayEquals(lateSolo.tokenIds(), lateDone.tokenIds());
                assertArrayEquals(longSolo.tokenIds(), firstDone.tokenIds());
                assertEquals(1, s.stats().batches(), "one batch: the late row joined it");
                assertEquals(2, s.stats().largestBatch());
            }
        }
    }

    @Test
    void promptsOverThePrefillBudgetJoinAChunkPerStep(@TempDir Path tmp) throws Exception {
        chunkedAdmission(tmp, BatchScheduler.PREFILL_TOKENS, false);
    }

    /** {@code rsa serve --prefill-chunk-tokens}: the same chunking at a budget of 100 prompt tokens. */
    @Test
    void aSmallerPrefillChunkSplitsShorterPrompts(@TempDir Path tmp) throws Exception {
        chunkedAdmission(tmp, 100, true);
        assertThrows(IllegalArgumentException.class,
                () -> ServeOptions.defaults("m", 0).withPrefillChunkTokens(0));
        assertEquals(100, ServeOptions.defaults("m", 0).withPrefillChunkTokens(100).prefillChunkTokens());
    }

    private static void chunkedAdmission(Path tmp, int prefillTokens, boolean explicit) throws Exception {
        try (QwenModel model = QwenModel.load(TinyModel.create(tmp.resolve("m"), 6))) {
            Generator gen = new Generator(model);
            int len = prefillTokens * 2 / 5; // two prompts per chunk: rows 0-1, 2-3, 4-5
            List<GenerationRequest> rows = new java.util.ArrayList<>();
            for (int r = 0; r < 6; r++) {
                int[] ids = new int[len];
                for (int j = 0; j < len; j++) ids[j] = 3 + (r * 7 + j) % 200;
                rows.add(new GenerationRequest(ids, SamplingParams.greedy(3), r));
            }
            List<Completion> solo = new java.util.ArrayList<>();
            for (GenerationRequest r : rows) solo.add(gen.generate(List.of(r)).get(0));
            List<String> events = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            List<Generator.TokenListener> listeners = new java.util.ArrayList<>();
            for (int r = 0; r < 6; r++) {
                int row = r;
                listeners.add((req, index, token, lp, ti, tl) -> events.add(row + ":" + index));
            }
            try (BatchScheduler s = explicit
                    ? new BatchScheduler(gen, new Object(), 8, Duration.ofMillis(200), Duration.ofMillis(200), 100,
                    1_000_000, prefillTokens)
                    : new BatchScheduler(gen, 8, Duration.ofMillis(200), Duration.ofMillis(200), 100, 1_000_000)) {
                List<CompletableFuture<Completion>> out = s.submit(rows, listeners);
                for (int r = 0; r < 6; r++) {
                    assertArrayEquals(solo.get(r).tokenIds(), out.get(r).get(60, TimeUnit.SECONDS).tokenIds());
                }
                assertEquals(1, s.stats().batches(), "the later chunks joined the running batch");
                assertEquals(6, s.stats().largestBatch());
            }
            // Rows 0-3 start together (the second chunk joins before the first step); rows 4-5 a step later.
            assertTrue(events.indexOf("0:1") < events.indexOf("5:0"), events.toString());
            assertTrue(events.indexOf("3:0") < events.indexOf("4:0"), events.toString());
        }
    }
}
