package rsarl.rollout.backend;

/**
 * Told about each result as soon as it is ready, so callers can persist it before the batch ends.
 * Backends may call it from several threads at once.
 */
@FunctionalInterface
public interface ResultListener {
    ResultListener NONE = (index, result) -> {
    };

    /** @param index position of the request in the list given to {@link Backend#generate} */
    void onResult(int index, BackendResult result);
}
