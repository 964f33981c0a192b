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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The queue bound (429 upstream), the per-batch token budget, and listeners hearing their own rows. */
class BatchSchedulerLimitsTest {
    /** A row of {@code prompt} tokens asking for {@code max} new ones; its seed comes back as its token. */
    private static GenerationRequest row(int prompt, int max, long seed) {
        return new GenerationRequest(new int[prompt], SamplingParams.greedy(max), seed);
    }

    private static final class Blocking implements BatchScheduler.Runner {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<List<Long>> batches = new CopyOnWriteArrayList<>();

        @Override
        public List<Completion> run(List<GenerationRequest> batch, rsarl.model.Generator.TokenListener listener) {
            List<Long> seeds = new ArrayList<>();
            for (GenerationRequest r : batch) seeds.add(r.seed());
            batches.add(seeds);
            entered.countDown();
            try {
                assertTrue(release.await(30, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            List<Completion> out = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                int token = (int) batch.get(i).seed();
                if (listener != null) listener.onToken(i, 0, token, -1f, null, null);
                out.add(new Completion(new int[] {token}, new float[] {-1f}, "length"));
            }
            return out;
        }
    }

    @Test
    void aFullQueueRefusesWithARetryAfterAndAcceptsAgainOnceItDrains() throws Exception {
        Blocking gen = new Blocking();
        try (BatchScheduler s = new BatchScheduler(gen, 4, Duration.ZERO, Duration.ZERO, 3, 1_000)) {
            CompletableFuture<Completion> running = s.submit(List.of(row(2, 1, 1))).get(0);
            assertTrue(gen.entered.await(30, TimeUnit.SECONDS));
            List<CompletableFuture<Completion>> waiting = s.submit(List.of(row(2, 1, 2), row(2, 1, 3)));
            assertEquals(2, s.queuedRows());
            // two more rows would make four queued: refused whole, nothing of it queued
            QueueFullException e = assertThrows(QueueFullException.class,
                    () -> s.submit(List.of(row(2, 1, 4), row(2, 1, 5))));
            assertTrue(e.retryAfterSeconds() >= 1, "Retry-After " + e.retryAfterSeconds());
            assertEquals(2, s.queuedRows());
            CompletableFuture<Completion> fits = s.submit(List.of(row(2, 1, 6))).get(0);
            gen.release.countDown();
            assertEquals(1, running.get(30, TimeUnit.SECONDS).tokenIds()[0]);
            assertEquals(2, waiting.get(0).get(30, TimeUnit.SECONDS).tokenIds()[0]);
            assertEquals(6, fits.get(30, TimeUnit.SECONDS).tokenIds()[0]);
            assertEquals(0, s.queuedRows());
            assertEquals(7, s.submit(List.of(row(2, 1, 7))).get(0).get(30, TimeUnit.SECONDS).tokenIds()[0]);
        }
    }

    @Test
    void batchesTakeRowsInOrderWhileTheyFitTheTokenBudget() throws Exception {
        Blocking gen = new Blocking();
        try (BatchScheduler s = new BatchScheduler(gen, 8, Duration.ZERO, Duration.ZERO, 100, 100)) {
            List<CompletableFuture<Completion>> all = new ArrayList<>(s.submit(List.of(row(30, 10, 0))));
            assertTrue(gen.entered.await(30, TimeUnit.SECONDS));
            // 40 tokens each: two fit in 100, the third starts the next batch; the 90-token row goes alone
            all.addAll(s.submit(List.of(row(30, 10, 1), row(30, 10, 2), row(30, 10, 3), row(80, 10, 4),
                    row(5, 5, 5))));
            assertThrows(IllegalArgumentException.class, () -> s.submit(List.of(row(95, 10, 9))), "over budget alone");
            gen.release.countDown();
            for (int i = 0; i < all.size(); i++) assertEquals(i, all.get(i).get(30, TimeUnit.SECONDS).tokenIds()[0]);
            assertEquals(List.of(List.of(0L), List.of(1L, 2L), List.of(3L), List.of(4L, 5L)), gen.batches);
        }
    }

    @Test
    void eachListenerHearsOnlyItsOwnRow() throws Exception {
        Blocking gen = new Blocking();
        gen.release.countDown();
        List<int[]> heard = new CopyOnWriteArrayList<>();
        try (BatchScheduler s = new BatchScheduler(gen, 8, Duration.ofMillis(50), Duration.ofMillis(50), 100, 1_000)) {
            List<rsarl.model.Generator.TokenListener> ls = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int me = i;
                ls.add((req, index, token, lp, ti, tl) -> heard.add(new int[] {me, token}));
            }
            List<CompletableFuture<Completion>> f = s.submit(List.of(row(2, 1, 10), row(2, 1, 11), row(2, 1, 12)), ls);
            for (CompletableFuture<Completion> c : f) c.get(30, TimeUnit.SECONDS);
            assertEquals(3, heard.size());
            for (int[] h : heard) assertEquals(10 + h[0], h[1]);
        }
    }
}
