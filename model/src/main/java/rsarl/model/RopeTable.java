package rsarl.model;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;

/**
 * RoPE's cos and sin for every position, computed once per model and looked up per forward (one embedding lookup
 * each instead of rebuilding the angles every decode step). The values are the per-forward formula's: angles
 * {@code position * inv_freq} in float64, cos/sin, then the compute type. The sin table's first half is negated,
 * so rotate_half needs no negation: {@code x * cos + swap_halves(x) * signedSin}. Grows by doubling; shared by
 * {@link QwenModel#withWeights} views; thread-safe.
 */
final class RopeTable {
    private static final int MIN_POSITIONS = 256;

    private final NDManager manager;
    private final NDArray invFreq;
    private final DataType type;
    /** Outgrown tables are not closed (a concurrent forward may still read one): the model's manager frees them. */
    private volatile NDArray[] tables;

    RopeTable(QwenConfig config, NDManager manager, DataType type) {
        this.manager = manager;
        this.type = type;
        // inv_freq[i] = theta^(-2i/d), in float64: angles for long contexts keep their precision
        int half = config.headDim() / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) inv[i] = Math.pow(config.ropeTheta(), -2.0 * i / config.headDim());
        this.invFreq = manager.create(inv);
        tablesFor(MIN_POSITIONS); // made up front: a short forward adds no arrays to the model's manager
    }

    /**
     * {cos, signedSin}, each {@code [B, S, 1, d]} on the manager of {@code positionIds}.
     *
     * @param bound positions are expected below this (callers pass past + len); larger ones grow the table
     */
    NDArray[] lookup(NDArray positionIds, long bound) {
        NDArray ids = positionIds.toType(DataType.INT64, false);
        NDArray[] t = tablesFor(bound);
        try {
            return new NDArray[] {rows(ids, t[0]), rows(ids, t[1])};
        } catch (EngineException e) { // a position at or past the table: grow to the largest one and retry
            t = tablesFor(ids.max().getLong() + 1);
            return new NDArray[] {rows(ids, t[0]), rows(ids, t[1])};
        }
    }

    /** Makes the table hold positions below {@code positions} now (a generation reserves its whole length). */
    void reserve(long positions) {
        tablesFor(positions);
    }

    private static NDArray rows(NDArray ids, NDArray table) {
        NDArray r = table.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
        r.attach(ids.getManager());
        return r.expandDims(2);
    }

    private NDArray[] tablesFor(long positions) {
        NDArray[] t = tables;
        if (t != null && t[0].getShape().get(0) >= positions) return t;
        synchronized (this) {
            t = tables;
            if (t != null && t[0].getShape().get(0) >= positions) return t;
            long n = Math.max(MIN_POSITIONS, t == null ? 0 : t[0].getShape().get(0));
            while (n < positions) n *= 2;
            try (NDManager scratch = manager.newSubManager()) {
                NDArray angles = scratch.arange(0, (int) n, 1, DataType.INT64).toType(DataType.FLOAT64, false)
                        .expandDims(-1).mul(invFreq);
                NDArray sin = angles.sin();
                NDArray cos = angles.concat(angles, -1).cos().toType(type, false);
                NDArray signedSin = sin.neg().concat(sin, -1).toType(type, false);
                cos.attach(manager);
                signedSin.attach(manager);
                // made inside a caller's NDScope (the trainer's forwards), they must outlive it
                NDScope.unregister(cos, signedSin);
                tables = new NDArray[] {cos, signedSin};
            }
            return tables;
        }
    }
}
