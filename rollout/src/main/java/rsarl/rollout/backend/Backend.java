package rsarl.rollout.backend;

import java.util.List;

/**
 * Produces chat completions for a batch of requests. How the batch is scheduled (concurrent HTTP
 * requests, batched decoding on a local model) is the backend's job; callers hand over everything
 * that can run together.
 */
public interface Backend extends AutoCloseable {

    /**
     * Generates one result per request, in request order, telling {@code listener} about each result
     * as it completes. Throws {@link BackendException} when a request fails for good; results already
     * passed to the listener stay valid.
     */
    List<BackendResult> generate(List<ChatRequest> requests, ResultListener listener);

    default List<BackendResult> generate(List<ChatRequest> requests) {
        return generate(requests, ResultListener.NONE);
    }

    /** A short description for logs and errors, e.g. {@code openai http://host:8000/v1 (model m)}. */
    String describe();

    @Override
    void close();
}
