package rsarl.rollout.backend;

/** A generation request that failed for good (after any retries); the message names the server. */
public final class BackendException extends RuntimeException {
    public BackendException(String message) {
        super(message);
    }

    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
