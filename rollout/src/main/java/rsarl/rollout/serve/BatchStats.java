package rsarl.rollout.serve;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** What a {@link BatchScheduler} has run so far: batches, rows, sizes and time spent generating (thread-safe). */
public final class BatchStats {
    private static final int RECENT = 256;

    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong largest = new AtomicLong();
    private final AtomicLong busyNanos = new AtomicLong();
    private final AtomicLong prefillNanos = new AtomicLong();
    private final AtomicLong decodeNanos = new AtomicLong();
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong rowSteps = new AtomicLong();
    private final ArrayDeque<Integer> recent = new ArrayDeque<>();

    /** A batch began with {@code size} rows. */
    void batchStarted(int size) {
        batches.incrementAndGet();
        rows.addAndGet(size);
        largest.accumulateAndGet(size, Math::max);
        synchronized (recent) {
            if (recent.size() == RECENT) recent.removeFirst();
            recent.addLast(size);
        }
    }

    /** {@code joined} rows joined a running batch, which now holds {@code size}. */
    void rowsJoined(int joined, int size) {
        rows.addAndGet(joined);
        largest.accumulateAndGet(size, Math::max);
    }

    void busy(long nanos) {
        busyNanos.addAndGet(nanos);
    }

    /** A batch start or join prefilled its rows in {@code nanos}. */
    void prefilled(long nanos) {
        prefillNanos.addAndGet(nanos);
    }

    /** One continuous-batching decode step over {@code rows} rows took {@code nanos}. */
    void stepped(int rows, long nanos) {
        steps.incrementAndGet();
        rowSteps.addAndGet(rows);
        decodeNanos.addAndGet(nanos);
    }

    /** Time continuous batching spent prefilling (batch starts and joins), in nanoseconds. */
    public long prefillNanos() {
        return prefillNanos.get();
    }

    /** Time continuous batching spent in decode steps, in nanoseconds. */
    public long decodeNanos() {
        return decodeNanos.get();
    }

    /** Continuous-batching decode steps run so far. */
    public long steps() {
        return steps.get();
    }

    /** Rows summed over those steps (their mean batch size times their count). */
    public long rowSteps() {
        return rowSteps.get();
    }

    /** Mean time of a batch so far in seconds ({@code fallback} before the first). */
    double meanBatchSeconds(double fallback) {
        long n = batches.get();
        return n == 0 ? fallback : busyNanos.get() / 1e9 / n;
    }

    /** Batches run so far. */
    public long batches() {
        return batches.get();
    }

    /** Rows run so far (a request with n choices is n rows). */
    public long rows() {
        return rows.get();
    }

    /** The most rows one batch has held. */
    public long largestBatch() {
        return largest.get();
    }

    /** Time spent inside generate calls so far, in nanoseconds. */
    public long busyNanos() {
        return busyNanos.get();
    }

    /** Sizes of the last (up to 256) batches, oldest first: for benchmarks and tuning the waits. */
    public List<Integer> recentBatchSizes() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }
}
