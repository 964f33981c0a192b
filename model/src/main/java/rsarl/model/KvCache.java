package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every layer for the tokens seen so far, in preallocated buffers
 * {@code [batch, kvHeads, capacity, headDim]} written in place, so a decode step copies only the new token.
 * All rows share one length (prompts are left-padded). Not for use inside a GradientCollector.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private long length;
    private long capacity;
    private long batch;

    KvCache(NDManager parent, int layers, long batch, int kvHeads, int headDim, long capacity,
            ai.djl.ndarray.types.DataType type) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        this.capacity = Math.max(1, capacity);
        this.batch = batch;
        Shape shape = new Shape(batch, kvHeads, this.capacity, headDim);
        for (int l = 0; l < layers; l++) {
            keys[l] = manager.zeros(shape, type);
            values[l] = manager.zeros(shape, type);
        }
    }

    /** Tokens cached per row (padding included). */
    public long length() {
        return length;
    }

    public long batchSize() {
        return batch;
    }

    /**
     * Writes the new keys/values {@code [B, kvHeads, S, headDim]} of one layer after the cached ones and returns
     * views of everything cached so far, {@code [B, kvHeads, length + S, headDim]}, owned by {@code m}.
     */
    NDArray[] append(int layer, NDArray k, NDArray v, NDManager m) {
        long s = k.getShape().get(2);
        if (k.getShape().get(0) != batch) {
            throw new IllegalArgumentException("batch " + k.getShape().get(0) + " does not match the cache's " + batch);
        }
        if (length + s > capacity) grow(length + s);
        NDIndex slot = new NDIndex().addAllDim(2).addSliceDim(length, length + s);
        keys[layer].set(slot, k);
        values[layer].set(slot, v);
        NDIndex upTo = new NDIndex().addAllDim(2).addSliceDim(0, length + s);
        return new NDArray[] {keys[layer].get(m, upTo), values[layer].get(m, upTo)};
    }

    /** Called once per forward, after every layer appended. */
    void advance(long s) {
        length += s;
    }

    private void grow(long needed) {
        long cap = Math.max(needed, capacity * 2);
        for (int l = 0; l < keys.length; l++) {
            keys[l] = moved(keys[l], cap, 0, 0, length);
            values[l] = moved(values[l], cap, 0, 0, length);
        }
        capacity = cap;
    }

    /**
     * A fresh {@code [B, kvHeads, cap, headDim]} buffer holding {@code old}'s slots {@code [from, from + count)} at
     * {@code [to, to + count)}, the rest zero; {@code old} is closed. Growing, aligning and dropping padding all move
     * slots this way.
     */
    private NDArray moved(NDArray old, long cap, long from, long to, long count) {
        Shape s = old.getShape();
        NDArray fresh = manager.zeros(new Shape(s.get(0), s.get(1), cap, s.get(3)), old.getDataType());
        // may be made inside a layer of a generation forward, whose NDScope closes what it made (QwenForward)
        ai.djl.ndarray.NDScope.unregister(fresh);
        if (count > 0) {
            try (NDManager scratch = manager.newSubManager()) {
                fresh.set(new NDIndex().addAllDim(2).addSliceDim(to, to + count),
                        old.get(scratch, new NDIndex().addAllDim(2).addSliceDim(from, from + count)));
            }
        }
        old.close();
        return fresh;
    }

    /**
     * Shifts every row's cached tokens {@code n} slots right, leaving {@code n} empty (to be masked) slots in front:
     * a shorter batch joining a longer one is aligned this way.
     */
    void padLeft(long n) {
        if (n <= 0) return;
        long cap = Math.max(capacity, length + n + 1);
        for (int l = 0; l < keys.length; l++) {
            keys[l] = moved(keys[l], cap, 0, n, length);
            values[l] = moved(values[l], cap, 0, n, length);
        }
        capacity = cap;
        length += n;
    }

    /**
     * Drops the first {@code n} cached slots of every row (padding that no row still attends to, after the longer
     * rows left the batch): later steps attend over {@code n} fewer keys. Each row's positions are its own, so only
     * the key mask's offsets move with it.
     */
    void dropLeft(long n) {
        if (n <= 0) return;
        if (n > length) throw new IllegalArgumentException("drop " + n + " of " + length + " cached slots");
        for (int l = 0; l < keys.length; l++) {
            keys[l] = moved(keys[l], capacity, n, 0, length - n);
            values[l] = moved(values[l], capacity, n, 0, length - n);
        }
        length -= n;
    }

    /** Appends the rows of {@code other} (same length) after this cache's and closes {@code other}. */
    void addRows(KvCache other) {
        if (other.length != length) {
            throw new IllegalArgumentException("cache lengths differ: " + length + " and " + other.length);
        }
        long cap = Math.max(capacity, other.capacity);
        for (int l = 0; l < keys.length; l++) {
            keys[l] = stacked(keys[l], other.keys[l], cap);
            values[l] = stacked(values[l], other.values[l], cap);
        }
        capacity = cap;
        batch += other.batch;
        other.close();
    }

    private NDArray stacked(NDArray mine, NDArray theirs, long cap) {
        try (NDManager scratch = manager.newSubManager()) {
            NDArray a = widened(mine, cap, scratch);
            NDArray b = widened(theirs, cap, scratch);
            NDArray both = a.concat(b, 0);
            both.attach(manager);
            mine.close();
            return both;
        }
    }

    private NDArray widened(NDArray x, long cap, NDManager scratch) {
        Shape s = x.getShape();
        if (s.get(2) == cap) return x;
        NDArray fresh = scratch.zeros(new Shape(s.get(0), s.get(1), cap, s.get(3)), x.getDataType());
        fresh.set(new NDIndex().addAllDim(2).addSliceDim(0, length), x.get(scratch, new NDIndex().addAllDim(2)
                .addSliceDim(0, length)));
        return fresh;
    }

    /** Keeps only the given batch rows, in this order (finished sequences leave the batch). */
    public void keepRows(int[] rows) {
        long[] idx = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] < 0 || rows[i] >= batch) throw new IndexOutOfBoundsException("row " + rows[i] + " of " + batch);
            idx[i] = rows[i];
        }
        try (NDManager scratch = manager.newSubManager()) {
            NDArray index = scratch.create(idx);
            for (int l = 0; l < keys.length; l++) {
                keys[l] = take(keys[l], index);
                values[l] = take(values[l], index);
            }
        }
        batch = rows.length;
    }

    private NDArray take(NDArray old, NDArray index) {
        NDArray kept = old.get(manager, new NDIndex("{}", index));
        old.close();
        return kept;
    }

    @Override
    public void close() {
        manager.close();
    }
}
