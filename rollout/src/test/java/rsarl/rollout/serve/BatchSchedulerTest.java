package rsarl.rollout.serve;

import org.junit.jupiter.api.Test;
import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.model.SamplingParams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchSchedulerTest {
    private static GenerationRequest row(long seed) {
        return new GenerationRequest(new int[] {1, 2}, SamplingParams.greedy(1), seed);
    }

    private static List<GenerationRequest> rows(long... seeds) {
        List<GenerationRequest> out = new ArrayList<>();
        for (long s : seeds) out.add(row(s));
        return out;
    }

    /** A fake model: each row's single "token" is its seed, so every future can be matched to its row. */
    private static List<Completion> echoSeeds(List<GenerationRequest> batch) {
        List<Completion> out = new ArrayList<>();
        for (GenerationRequest r : batch) out.add(new Completion(new int[] {(int) r.seed()}, new float[] {0f}, "length"));
        return out;
    }

    @Test
    void rowsQueuedDuringABatchGoTogetherIntoTheNextUpToMaxBatch() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        Function<List<GenerationRequest>, List<Completion>> gen = batch -> {
            sizes.add(batch.size());
            entered.countDown();
            try {
                assertTrue(release.await(30, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return echoSeeds(batch);
        };
        try (BatchScheduler s = new BatchScheduler(gen, 4, Duration.ZERO)) {
            List<CompletableFuture<Completion>> first = s.submit(rows(10));
            assertTrue(entered.await(30, TimeUnit.SECONDS));
            List<CompletableFuture<Completion>> second = s.submit(rows(20, 21));
            List<CompletableFuture<Completion>> third = s.submit(rows(30, 31, 32));
            release.countDown();
            assertEquals(10, first.get(0).get().tokenIds()[0]);
            assertEquals(21, second.get(1).get().tokenIds()[0]);
            for (int i = 0; i < 3; i++) assertEquals(30 + i, third.get(i).get().tokenIds()[0]);
            assertEquals(List.of(1, 4, 1), sizes);
            assertEquals(3, s.stats().batches());
            assertEquals(6, s.stats().rows());
            assertEquals(4, s.stats().largestBatch());
        }
    }

    @Test
    void aFailedBatchFailsItsRowsOnlyAndClosingFinishesTheQueue() throws Exception {
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        BatchScheduler s = new BatchScheduler(batch -> {
            sizes.add(batch.size());
            if (batch.get(0).seed() == 666) throw new IllegalStateException("boom");
            return echoSeeds(batch);
        }, 8, Duration.ZERO);
        List<CompletableFuture<Completion>> bad = s.submit(rows(666));
        ExecutionException e = assertThrows(ExecutionException.class, () -> bad.get(0).get());
        assertInstanceOf(IllegalStateException.class, e.getCause());
        List<CompletableFuture<Completion>> later = s.submit(rows(1, 2, 3));
        s.close(Duration.ofSeconds(30));
        for (int i = 0; i < 3; i++) {
            assertTrue(later.get(i).isDone(), "queued rows finish before close returns");
            assertEquals(1 + i, later.get(i).get().tokenIds()[0]);
        }
        assertThrows(RejectedExecutionException.class, () -> s.submit(rows(4)));
        assertEquals(4, sizes.stream().mapToInt(Integer::intValue).sum());
    }

    @Test
    void theNextBatchWaitsForAsManyRowsAsWereInFlight() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        Function<List<GenerationRequest>, List<Completion>> gen = batch -> {
            sizes.add(batch.size());
            entered.countDown();
            try {
                assertTrue(release.await(30, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return echoSeeds(batch);
        };
        // No plain batch wait; the fill wait is long enough never to run out in this test.
        try (BatchScheduler s = new BatchScheduler(gen, 8, Duration.ZERO, Duration.ofSeconds(60))) {
            List<CompletableFuture<Completion>> first = s.submit(rows(1));
            assertTrue(entered.await(30, TimeUnit.SECONDS));
            List<CompletableFuture<Completion>> queued = s.submit(rows(2, 3));
            release.countDown();
            first.get(0).get();
            // Three rows were in flight when the first batch ended: the two queued ones wait for a third.
            Thread.sleep(50);
            assertTrue(!queued.get(0).isDone(), "the queued rows wait for the row their client is about to send");
            List<CompletableFuture<Completion>> resent = s.submit(rows(4));
            assertEquals(4, resent.get(0).get().tokenIds()[0]);
            assertEquals(3, queued.get(1).get().tokenIds()[0]);
            assertEquals(List.of(1, 3), sizes);
        }
    }
}
