package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Per row of a {@code [B, V]} float32 array, the first index of its maximum: what {@code argmax} returns, at a
 * fifth of its cost on a CPU. torch's argmax reduces (value, index) pairs one element at a time (~3.3 ms per step
 * at batch 64 over a 32k vocabulary, one thread: a tenth of a `small` decode step); an element-wise maximum of two
 * halves is vectorised. So each segment of {@code W * 2^L} columns is folded in halves down to {@code W} columns
 * (column {@code c} then holds the maximum of ids {@code c + W k}), the folds come to the host, and only the ids of
 * the columns that hold the row's maximum are read back to find the first one.
 */
final class FirstMax {
    /** Width a segment is folded down to. */
    static final int W = 512;
    /**
     * Per intra-op thread, below this many elements argmax is cheaper than the folds' fixed ~20 engine calls (`small`
     * over 32k ids, 1 thread: batch 1 and 4 decoded 3-10% slower with them, batch 16 4-10% and batch 64 6-10% faster;
     * 2 threads: batch 16 ~8% slower, batch 64 faster).
     */
    static final long MIN_ELEMENTS_PER_THREAD = 1L << 19;
    /** Columns holding a row's maximum beyond which its ids are not read back (argmax takes the row). */
    static final int MAX_CANDIDATE_COLUMNS = 8;

    private FirstMax() {
    }

    /** A run of ids {@code [start, start + W * 2^levels)} folded to W columns, or the last {@code < W} ids as is. */
    record Segment(long start, long width, int levels) {
    }

    /** Whether the folds beat argmax over this many elements with the engine's intra-op threads. */
    static boolean pays(long elements) {
        return elements >= MIN_ELEMENTS_PER_THREAD * Math.max(1, ai.djl.pytorch.jni.JniUtils.getNumThreads());
    }

    /** Per row of {@code x [B, V]}, the first index of its maximum (argmax's answer); scratch goes to {@code m}. */
    static int[] of(NDManager m, NDArray x) {
        int b = (int) x.getShape().get(0);
        long v = x.getShape().get(1);
        List<Segment> segments = segments(v);
        NDList folded = new NDList(segments.size());
        for (Segment s : segments) {
            NDArray cur = x.get(m, new NDIndex().addAllDim().addSliceDim(s.start(), s.start() + s.width()));
            for (int l = 0; l < s.levels(); l++) {
                long h = cur.getShape().get(1) / 2;
                cur = NDArrays.maximum(cur.get(":, :" + h), cur.get(":, " + h + ":"));
            }
            folded.add(cur);
        }
        int cols = 0;
        for (NDArray f : folded) cols += (int) f.getShape().get(1);
        float[] all = (folded.size() == 1 ? folded.get(0) : NDArrays.concat(folded, 1)).toFloatArray();
        float[] rowMax = new float[b];
        List<Long> ids = new ArrayList<>();
        List<int[]> owner = new ArrayList<>(); // per candidate column: row, segment levels, first id in the ids list
        int[] out = new int[b];
        Arrays.fill(out, -1);
        for (int r = 0; r < b; r++) {
            float best = Float.NEGATIVE_INFINITY;
            int hits = 0;
            for (int j = 0; j < cols; j++) best = Math.max(best, all[r * cols + j]);
            for (int j = 0; j < cols; j++) hits += all[r * cols + j] == best ? 1 : 0;
            rowMax[r] = best;
            if (hits > MAX_CANDIDATE_COLUMNS) continue; // a row of ties (a flat or zero model): argmax below
            int j = 0;
            for (Segment s : segments) {
                int width = s.levels() == 0 ? (int) s.width() : W;
                for (int c = 0; c < width; c++, j++) {
                    if (all[r * cols + j] != best) continue;
                    owner.add(new int[] {r, s.levels(), ids.size()});
                    for (long k = 0; k < (1L << s.levels()); k++) ids.add(r * v + s.start() + c + k * W);
                }
            }
        }
        if (!ids.isEmpty()) {
            long[] idx = ids.stream().mapToLong(Long::longValue).toArray();
            float[] vals = x.reshape(-1).get(new NDIndex("{}", m.create(idx, new Shape(idx.length)))).toFloatArray();
            for (int[] o : owner) {
                int r = o[0];
                for (int k = 0; k < (1 << o[1]); k++) {
                    if (vals[o[2] + k] == rowMax[r]) {
                        int id = (int) (idx[o[2] + k] - r * v);
                        if (out[r] < 0 || id < out[r]) out[r] = id;
                        break;
                    }
                }
            }
        }
        for (int r = 0; r < b; r++) { // ties, or a NaN (argmax ranks it first; comparisons cannot see it)
            if (out[r] < 0) out[r] = (int) x.get(r).argMax().toLongArray()[0];
        }
        return out;
    }

    /** The largest {@code W * 2^L} first, then the next largest that fits the rest, ..., then the last {@code < W}. */
    static List<Segment> segments(long v) {
        List<Segment> out = new ArrayList<>();
        long start = 0;
        while (v - start >= W) {
            int levels = 63 - Long.numberOfLeadingZeros((v - start) / W);
            long width = (long) W << levels;
            out.add(new Segment(start, width, levels));
            start += width;
        }
        if (start < v) out.add(new Segment(start, v - start, 0));
        return out;
    }
}
