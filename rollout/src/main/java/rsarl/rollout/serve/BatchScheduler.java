package rsarl.rollout.serve;

import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.model.Generator;
import rsarl.model.OpenMpTeam;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 *
 * <p>Load limits: at most {@code maxQueued} rows wait (more get {@link QueueFullException}, the server's 429), and
 * a batch takes rows, in arrival order, only while their prompt + max_tokens fit the {@code tokenBudget}: the
 * first row that does not fit starts the next batch, so no row is overtaken and every wait is bounded. In continuous
 * batching at most {@code prefillTokens} (default {@link #PREFILL_TOKENS}) prompt tokens are prefilled per decode step
 * (chunked admission).
 */
public final class BatchScheduler implements AutoCloseable {
    /** Runs one batch, telling the listener each token as it is picked (request indices into the batch). */
    @FunctionalInterface
    public interface Runner {
        List<Completion> run(List<GenerationRequest> batch, Generator.TokenListener listener);
    }

    private record Pending(GenerationRequest request, CompletableFuture<Completion> result,
                           Generator.TokenListener listener) {
        long tokens() {
            return (long) request.promptIds().length + request.params().maxNewTokens();
        }
    }

    /** Queued by {@link #close()} after the last accepted row: the thread finishes the queue, then stops. */
    private static final Pending END = new Pending(null, null, null);
    /** Default prompt tokens prefilled per step in continuous batching (the start's first chunk, then each join). */
    static final int PREFILL_TOKENS = ServeOptions.DEFAULT_PREFILL_CHUNK_TOKENS;

    private final Runner generate;
    /** Non-null: continuous batching (rows join the running batch between decode steps). */
    private final Generator continuous;
    /** Held for each decode step (and batch start or join): weight changes and other schedulers wait between steps. */
    private final Object stepLock;
    private final int maxBatch;
    private final int maxQueued;
    private final long tokenBudget;
    private final int prefillTokens;
    private final AtomicInteger queued = new AtomicInteger();
    private final long waitNanos;
    private final long fillWaitNanos;
    /** Rows in flight when the last batch ended: how many the next batch may expect. */
    private int expected;
    private final LinkedBlockingDeque<Pending> queue = new LinkedBlockingDeque<>();
    private final Thread thread;
    private final Object submitLock = new Object();
    private boolean closed;
    private final BatchStats stats = new BatchStats();

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
        this((batch, listener) -> generate.apply(batch), maxBatch, batchWait, fillWait, Integer.MAX_VALUE,
                Long.MAX_VALUE);
    }

    /**
     * @param maxQueued   rows that may wait; {@link #submit} refuses more with {@link QueueFullException}
     * @param tokenBudget most prompt + max_tokens tokens per batch (a single row over it is refused at submit)
     */
    public BatchScheduler(Runner generate, int maxBatch, Duration batchWait, Duration fillWait, int maxQueued,
                          long tokenBudget) {
        this(generate, null, new Object(), maxBatch, batchWait, fillWait, maxQueued, tokenBudget, PREFILL_TOKENS);
    }

    /**
     * Continuous batching: a batch starts as above, then between its decode steps queued rows join it (in arrival
     * order, while they fit {@code maxBatch} rows and the token budget) and finished rows leave.
     */
    public BatchScheduler(Generator generator, int maxBatch, Duration batchWait, Duration fillWait, int maxQueued,
                          long tokenBudget) {
        this(generator, new Object(), maxBatch, batchWait, fillWait, maxQueued, tokenBudget);
    }

    /** As above; {@code stepLock} is held for every decode step (shared by the schedulers of one set of weights). */
    public BatchScheduler(Generator generator, Object stepLock, int maxBatch, Duration batchWait, Duration fillWait,
                          int maxQueued, long tokenBudget) {
        this(generator, stepLock, maxBatch, batchWait, fillWait, maxQueued, tokenBudget, PREFILL_TOKENS);
    }

    /** As above, prefilling at most {@code prefillTokens} prompt tokens per decode step. */
    public BatchScheduler(Generator generator, Object stepLock, int maxBatch, Duration batchWait, Duration fillWait,
                          int maxQueued, long tokenBudget, int prefillTokens) {
        this(generator::generate, generator, stepLock, maxBatch, batchWait, fillWait, maxQueued, tokenBudget,
                prefillTokens);
    }

    private BatchScheduler(Runner generate, Generator continuous, Object stepLock, int maxBatch, Duration batchWait,
                           Duration fillWait, int maxQueued, long tokenBudget, int prefillTokens) {
        if (maxBatch < 1) throw new IllegalArgumentException("max batch must be >= 1, got " + maxBatch);
        if (prefillTokens < 1) throw new IllegalArgumentException("prefill tokens must be >= 1, got " + prefillTokens);
        this.generate = generate;
        this.continuous = continuous;
        this.stepLock = stepLock;
        this.maxBatch = maxBatch;
        this.maxQueued = maxQueued;
        this.tokenBudget = tokenBudget;
        this.prefillTokens = prefillTokens;
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
        return submit(requests, null);
    }

    /**
     * As {@link #submit(List)}; {@code listeners.get(i)} (when the list is not null) hears row i's tokens as they
     * are picked, on the scheduler thread (index argument: 0 for every row).
     *
     * @throws QueueFullException       when the rows would take the queue past its bound (none is queued)
     * @throws IllegalArgumentException when one row alone exceeds the token budget
     */
    public List<CompletableFuture<Completion>> submit(List<GenerationRequest> requests,
                                                      List<Generator.TokenListener> listeners) {
        for (GenerationRequest r : requests) {
            long t = (long) r.promptIds().length + r.params().maxNewTokens();
            if (t > tokenBudget) {
                throw new IllegalArgumentException("prompt + max_tokens is " + t + " tokens, over the server's token "
                        + "budget of " + tokenBudget + " per batch");
            }
        }
        List<CompletableFuture<Completion>> out = new ArrayList<>(requests.size());
        synchronized (submitLock) {
            if (closed) throw new RejectedExecutionException("the server is shutting down");
            if (queued.get() + requests.size() > maxQueued) {
                throw new QueueFullException(queued.get(), maxQueued, retryAfterSeconds());
            }
            queued.addAndGet(requests.size());
            for (int i = 0; i < requests.size(); i++) {
                CompletableFuture<Completion> f = new CompletableFuture<>();
                out.add(f);
                queue.add(new Pending(requests.get(i), f, listeners == null ? null : listeners.get(i)));
            }
        }
        return out;
    }

    /** Rows waiting for a batch now. */
    public int queuedRows() {
        return queued.get();
    }

    /** A client's wait before retrying: the queue's batches at the mean batch time so far, at least 1 s. */
    private long retryAfterSeconds() {
        double meanS = stats.meanBatchSeconds(1);
        double ahead = Math.ceil(queued.get() / (double) maxBatch);
        return Math.max(1, (long) Math.ceil(meanS * Math.max(1, ahead)));
    }

    /** What this scheduler has run so far. */
    public BatchStats stats() {
        return stats;
    }

    private void loop() {
        boolean ending = false;
        int target = 1;
        while (!ending) {
            List<Pending> batch = new ArrayList<>();
            try {
                // Idle: free this thread's OpenMP workers so the other torch threads' workers keep spinning (OpenMpTeam).
                if (queue.isEmpty()) OpenMpTeam.release();
                Pending first = queue.take();
                if (first == END) break;
                batch.add(first);
                long tokens = first.tokens();
                long start = System.nanoTime();
                long deadline = start + waitNanos;
                long fillDeadline = start + fillWaitNanos;
                target = Math.min(maxBatch, Math.max(1, expected));
                while (batch.size() < maxBatch) {
                    Pending p = queue.peek();
                    if (p == null) {
                        long left = (batch.size() < target ? fillDeadline : deadline) - System.nanoTime();
                        if (left <= 0) break;
                        p = queue.poll(left, TimeUnit.NANOSECONDS);
                        if (p == null) break;
                        if (p != END && tokens + p.tokens() > tokenBudget) {
                            queue.putFirst(p); // over budget: it heads the next batch
                            break;
                        }
                    } else {
                        if (p != END && tokens + p.tokens() > tokenBudget) break;
                        queue.poll();
                    }
                    if (p == END) {
                        ending = true;
                        break;
                    }
                    tokens += p.tokens();
                    batch.add(p);
                    // While rows keep coming (a burst ramping up), keep collecting: the wait restarts on each one.
                    deadline = Math.min(fillDeadline, Math.max(deadline, System.nanoTime() + waitNanos));
                }
            } catch (InterruptedException e) {
                fail(batch, new RejectedExecutionException("the server is shutting down"));
                break;
            }
            if (continuous == null) {
                run(batch);
            } else {
                ending |= runContinuously(batch);
            }
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

    /**
     * Runs {@code batch} step by step, letting queued rows join between steps, until no row is left.
     *
     * @return whether {@link #close} was seen (no row joins after it)
     */
    private boolean runContinuously(List<Pending> batch) {
        // Chunked admission: the batch starts with its first prefillTokens of prompts; the rest go back to the head
        // of the queue and join a chunk per decode step, so early rows need not wait for every prompt's prefill.
        int head = 1;
        long prefill = batch.get(0).request().promptIds().length;
        while (head < batch.size() && prefill + batch.get(head).request().promptIds().length <= prefillTokens)
            prefill += batch.get(head++).request().promptIds().length;
        for (int i = batch.size() - 1; i >= head; i--) queue.addFirst(batch.get(i));
        List<Pending> first = List.copyOf(batch.subList(0, head));
        queued.addAndGet(-first.size());
        List<Pending> members = new ArrayList<>(first);
        boolean ending = false;
        long t0 = System.nanoTime();
        try {
            Generator.Running started;
            synchronized (stepLock) {
                long p0 = System.nanoTime();
                started = continuous.begin(requests(first), listener(members, 0));
                stats.prefilled(System.nanoTime() - p0);
            }
            try (Generator.Running running = started) {
                stats.batchStarted(first.size());
                while (true) {
                    List<Pending> joining = new ArrayList<>();
                    long reserved = running.tokensReserved();
                    long chunk = 0;
                    while (!ending && running.rows() + joining.size() < maxBatch) {
                        Pending p = queue.peek();
                        if (p == null) break;
                        if (p != END && reserved + p.tokens() > tokenBudget) break;
                        if (p != END && !joining.isEmpty() && chunk + p.request().promptIds().length > prefillTokens) {
                            break;
                        }
                        queue.poll();
                        if (p == END) {
                            ending = true;
                            break;
                        }
                        reserved += p.tokens();
                        chunk += p.request().promptIds().length;
                        joining.add(p);
                    }
                    if (!joining.isEmpty()) {
                        queued.addAndGet(-joining.size());
                        int base = members.size();
                        members.addAll(joining);
                        synchronized (stepLock) {
                            long p0 = System.nanoTime();
                            running.join(requests(joining), listener(members, base));
                            stats.prefilled(System.nanoTime() - p0);
                        }
                        stats.rowsJoined(joining.size(), running.rows());
                    }
                    boolean more;
                    synchronized (stepLock) {
                        int rows = running.rows();
                        long s0 = System.nanoTime();
                        more = running.step();
                        stats.stepped(rows, System.nanoTime() - s0);
                    }
                    if (!more) break;
                }
            }
        } catch (RuntimeException | Error e) {
            fail(members, e);
        }
        stats.busy(System.nanoTime() - t0);
        return ending;
    }

    private static List<GenerationRequest> requests(List<Pending> batch) {
        return batch.stream().map(Pending::request).toList();
    }

    /** Tokens go to each row's own listener; a row's future completes as soon as the row is done. */
    private static Generator.TokenListener listener(List<Pending> members, int base) {
        return new Generator.TokenListener() {
            @Override
            public void onToken(int req, int index, int token, float lp, int[] ti, float[] tl) {
                Generator.TokenListener l = members.get(base + req).listener();
                if (l != null) l.onToken(0, index, token, lp, ti, tl);
            }

            @Override
            public void onFinish(int req, Completion c) {
                members.get(base + req).result().complete(c);
            }
        };
    }

    private void run(List<Pending> batch) {
        queued.addAndGet(-batch.size());
        long t0 = System.nanoTime();
        try {
            List<Completion> out = generate.run(requests(batch), listener(batch, 0));
            stats.busy(System.nanoTime() - t0);
            stats.batchStarted(batch.size());
            for (int i = 0; i < batch.size(); i++) batch.get(i).result().complete(out.get(i));
        } catch (RuntimeException | Error e) {
            fail(batch, e);
        }
    }

    private static void fail(List<Pending> batch, Throwable e) {
        for (Pending p : batch) p.result().completeExceptionally(e); // no-op for rows already answered
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
