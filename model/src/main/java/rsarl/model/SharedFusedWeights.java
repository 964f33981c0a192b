package rsarl.model;

/**
 * One fused copy of a model's layer weights ({@link FusedWeights}) for every batch of the generators that share it
 * ({@link Generator#withSharedFusedWeights}), for weights that change only through {@link QwenModel#loadWeightsFrom}
 * (a server, an eval run). Batches then prefill on the fused weights as well (a per-batch copy would be built before
 * the first token: prefill at batch 1 is engine-call-bound, docs/generation-performance.md round 6) and no batch
 * waits for a copy. Weights changed in place by an optimizer are not seen: the trainer's generators share none and
 * build a copy per batch.
 *
 * <p>A reload makes the next batch build a new copy; the old one is closed when the last batch using it closes (a
 * batch that started before the reload keeps its layers' copy, while embeddings and head are reloaded in place under
 * it, as they were without a shared copy). Memory: the layers' q/k/v and gate/up weights once more, for as long as
 * this is open.
 */
public final class SharedFusedWeights implements AutoCloseable {
    private final QwenModel model;
    private Copy current;
    private boolean closed;
    private int builds;

    /** A copy, the model's weights version it was built from, and the batches using it. */
    static final class Copy {
        private final FusedWeights weights;
        final CachedForward forward;
        private final long version;
        private int users;

        private Copy(QwenModel model, long version) {
            this.weights = FusedWeights.of(model);
            this.forward = new CachedForward(model, weights);
            this.version = version;
        }
    }

    public SharedFusedWeights(QwenModel model) {
        this.model = model;
    }

    QwenModel model() {
        return model;
    }

    /** The copy of the current weights (built now when there is none or the weights were reloaded); release it. */
    synchronized Copy acquire() {
        if (closed) throw new IllegalStateException("shared fused weights are closed");
        long version = model.weightsVersion(); // read before building: a reload during the build is seen next time
        if (current != null && current.version != version) {
            Copy old = current;
            current = null;
            if (old.users == 0) old.weights.close();
        }
        if (current == null) {
            current = new Copy(model, version);
            builds++;
        }
        current.users++;
        return current;
    }

    synchronized void release(Copy c) {
        c.users--;
        if (c != current && c.users == 0) c.weights.close();
    }

    /** Copies built so far (tests: one per weights version). */
    synchronized int builds() {
        return builds;
    }

    /** Closes the current copy now if no batch uses it, else when the last one closes. */
    @Override
    public synchronized void close() {
        closed = true;
        if (current != null && current.users == 0) current.weights.close();
        current = null;
    }
}
