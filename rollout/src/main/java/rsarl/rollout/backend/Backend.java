package rsarl.rollout.backend;

import java.util.ArrayList;
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

    /**
     * Generates every request of {@code feed}, including those its results make ready, until it is drained.
     * This default sends what is ready as one {@link #generate(List, ResultListener)} call and waits for all of
     * it before taking more; a backend that can add requests to work in flight (the local one) overrides it.
     */
    default void generate(RequestFeed feed) {
        while (true) {
            List<RequestFeed.Item> ready = new ArrayList<>();
            for (RequestFeed.Item item = feed.poll(); item != null; item = feed.poll()) {
                ready.add(item);
            }
            if (ready.isEmpty()) {
                return;
            }
            generate(ready.stream().map(RequestFeed.Item::request).toList(),
                    (index, result) -> ready.get(index).done().accept(result));
        }
    }

    /** A short description for logs and errors, e.g. {@code openai http://host:8000/v1 (model m)}. */
    String describe();

    @Override
    void close();
}
