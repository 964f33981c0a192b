package rsarl.rollout.serve;

import rsarl.model.Completion;
import rsarl.model.GenerationRequest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Turns concurrent requests into batches: one thread takes the first pending row, keeps collecting while rows
 * arrive less than {@code batchWait} apart (never past {@code maxBatch} rows), and runs them all through one
 * generate call. Rows that arrive while a batch decodes wait for the next one. Callers wait on futures.
 *
 * <p>Closed-loop clients (C workers, each sending its next request when the last one returns) would otherwise
 * split into two half-size groups that take turns: the rows queued behind a batch start alone while the
 * batch's own clients are still sending their next requests. So the scheduler expects as many rows as were in
 * flight when the last batch ended (its rows plus those queued behind it) and, while fewer have arrived,
 * waits up to {@code fillWait} (instead of {@code batchWait}) for them.
 */
public final class BatchScheduler implements AutoCloseable {
    private record Pending(GenerationRequest request, CompletableFuture<Completion> result) {
    }

    /** Queued by {@link #close()} after the last accepted row: the thread finishes the queue, then stops. */
    private static final Pending END = new Pending(null, null);

    private final Function<List<GenerationRequest>, List<Completion>> generate;
    private final int maxBatch;
    private final long waitNanos;
    private final long fillWaitNanos;
    /** Rows in flight when the last batch ended: how many the next batch may expect. */
    private int expected;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final Object submitLock = new Object();
    private boolean closed;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong largest = new AtomicLong();
    private final AtomicLong busyNanos = new AtomicLong();
    private final java.util.ArrayDeque<Integer> recent = new java.util.ArrayDeque<>();

    /** A scheduler that never waits past {@code batchWait} (no fill wait). */
    public BatchScheduler(Function<List<GenerationRequest>, List<Completion>> generate, int maxBatch,
                          Duration batchWait) {
        this(generate, maxBatch, batchWait, batchWait);
    }

    /**
     * @param generate  runs one batch; called from the scheduler thread only
     * @param batchWait how long a batch waits for more rows after its first
     * @param fillWait  how long it waits while fewer rows than were last in flight have arrived (>= batchWait)
     */
    public BatchScheduler(Function<List<GenerationRequest>, List<Completion>> generate, int maxBatch,
                          Duration batchWait, Duration fillWait) {
        if (maxBatch < 1) throw new IllegalArgumentException("max batch must be >= 1, got " + maxBatch);
        this.generate = generate;
        this.maxBatch = maxBatch;
        this.waitNanos = batchWait.toNanos();
        this.fillWaitNanos = Math.max(waitNanos, fillWait.toNanos());
        this.thread = new Thread(this::loop, "batch-scheduler");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Queues the rows (in order, together) and returns one future per row.
     *
     * @throws RejectedExecutionException once {@link #close()} has begun
     */
    public List<CompletableFuture<Completion>> submit(List<GenerationRequest> requests) {
        List<CompletableFuture<Completion>> out = new ArrayList<>(requests.size());
        synchronized (submitLock) {
            if (closed) throw new RejectedExecutionException("the server is shutting down");
            for (GenerationRequest r : requests) {
                CompletableFuture<Completion> f = new CompletableFuture<>();
                out.add(f);
                queue.add(new Pending(r, f));
            }
        }
        return out;
    }

    /** Batches run so far. */
    public long batches() {
        return batches.get();
    }

    /** Rows run so far (a request with n choices is n rows). */
    public long rows() {
        return rows.get();
    }

    /** Sizes of the last (up to 256) batches, oldest first: for benchmarks and tuning the waits. */
    public List<Integer> recentBatchSizes() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }

    /** Time spent inside generate calls so far, in nanoseconds. */
    public long busyNanos() {
        return busyNanos.get();
    }

    /** The most rows one batch has held. */
    public long largestBatch() {
        return largest.get();
    }

    private void loop() {
        boolean ending = false;
        int target = 1;
        while (!ending) {
            List<Pending> batch = new ArrayList<>();
            try {
                Pending first = queue.take();
                if (first == END) break;
                batch.add(first);
                long start = System.nanoTime();
                long deadline = start + waitNanos;
                long fillDeadline = start + fillWaitNanos;
                target = Math.min(maxBatch, Math.max(1, expected));
                while (batch.size() < maxBatch) {
                    Pending p = queue.poll();
                    if (p == null) {
                        long left = (batch.size() < target ? fillDeadline : deadline) - System.nanoTime();
                        if (left <= 0) break;
                        p = queue.poll(left, TimeUnit.NANOSECONDS);
                        if (p == null) break;
                    }
                    if (p == END) {
                        ending = true;
                        break;
                    }
                    batch.add(p);
                    // While rows keep coming (a burst ramping up), keep collecting: the wait restarts on each one.
                    deadline = Math.min(fillDeadline, Math.max(deadline, System.nanoTime() + waitNanos));
                }
            } catch (InterruptedException e) {
                fail(batch, new RejectedExecutionException("the server is shutting down"));
                break;
            }
            run(batch);
            // Demand seen now: this batch's rows (their clients are about to send more) and those queued behind it.
            // A batch that gave up short of its target means demand fell: halve the expectation, not more, so
            // a pause between bursts does not make the next burst start in small pieces.
            int observed = batch.size() + queue.size();
            expected = batch.size() >= target ? Math.max(expected, observed) : Math.max(observed, expected / 2);
        }
        // Only an interrupt leaves rows behind; they get an answer rather than hanging their callers.
        List<Pending> left = new ArrayList<>();
        queue.drainTo(left);
        left.removeIf(p -> p == END);
        fail(left, new RejectedExecutionException("the server is shutting down"));
    }

    private void run(List<Pending> batch) {
        List<GenerationRequest> requests = new ArrayList<>(batch.size());
        for (Pending p : batch) requests.add(p.request());
        long t0 = System.nanoTime();
        try {
            List<Completion> out = generate.apply(requests);
            busyNanos.addAndGet(System.nanoTime() - t0);
            batches.incrementAndGet();
            rows.addAndGet(batch.size());
            largest.accumulateAndGet(batch.size(), Math::max);
            synchronized (recent) {
                if (recent.size() == 256) recent.removeFirst();
                recent.addLast(batch.size());
            }
            for (int i = 0; i < batch.size(); i++) batch.get(i).result().complete(out.get(i));
        } catch (RuntimeException | Error e) {
            fail(batch, e);
        }
    }

    private static void fail(List<Pending> batch, Throwable e) {
        for (Pending p : batch) p.result().completeExceptionally(e);
    }

    /** Stops accepting rows, finishes those already queued (waiting at most {@code timeout}), then stops. */
    public void close(Duration timeout) {
        synchronized (submitLock) {
            if (closed) return;
            closed = true;
            queue.add(END);
        }
        try {
            thread.join(Math.max(1, timeout.toMillis()));
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(5_000);
            }
        } catch (InterruptedException e) {
            thread.interrupt();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
