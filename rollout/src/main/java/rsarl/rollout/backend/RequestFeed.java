package rsarl.rollout.backend;

import java.util.function.Consumer;

/**
 * Requests that become ready over time, e.g. a problem's next RSA state once its previous one is done: a backend
 * takes what is ready whenever it has room and hands each result to its item, which may make more requests ready.
 * A backend is done with a feed once nothing it took is in flight and {@link #poll} has nothing ready.
 */
public interface RequestFeed {
    /** A request and where its result goes (possibly from a backend's own threads). */
    record Item(ChatRequest request, Consumer<BackendResult> done) {
    }

    /** The next ready request, or null when none is ready now. */
    Item poll();
}
