package rsarl.rollout.serve;

import java.util.concurrent.RejectedExecutionException;

/** The scheduler's queue is at its bound: the server answers 429 with {@code Retry-After: retryAfterSeconds}. */
public final class QueueFullException extends RejectedExecutionException {
    private final long retryAfterSeconds;

    public QueueFullException(int queued, int bound, long retryAfterSeconds) {
        super("the server is busy: " + queued + " rows are queued (at most " + bound + "); retry after "
                + retryAfterSeconds + " s");
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
