package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.List;

/** Log-probabilities of given tokens under the model (teacher forcing, one forward pass). */
public final class LogProbs {
    private LogProbs() {
    }

    /** {@code out[t] = log p(ids[t+1] | ids[0..t])}, length {@code ids.length - 1}. */
    public static float[] tokenLogprobs(QwenModel model, int[] ids) {
        return tokenLogprobs(model, List.of(ids))[0];
    }

    /**
     * As {@link #tokenLogprobs(QwenModel, int[])} for several sequences in one right-padded batch;
     * {@code out[i]} has length {@code seqs.get(i).length - 1}.
     */
    public static float[][] tokenLogprobs(QwenModel model, List<int[]> seqs) {
        int vocab = model.config().vocabSize();
        int width = 0;
        for (int[] s : seqs) width = Math.max(width, s.length);
        float[][] out = new float[seqs.size()][];
        if (width < 2) {
            for (int i = 0; i < out.length; i++) out[i] = new float[0];
            return out;
        }
        int b = seqs.size();
        long[] ids = new long[b * width];
        long[] pos = new long[b * width];
        long[] mask = new long[b * width];
        for (int r = 0; r < b; r++) {
            int[] s = seqs.get(r);
            for (int i = 0; i < s.length; i++) {
                if (s[i] < 0 || s[i] >= vocab) {
                    throw new IllegalArgumentException("sequence " + r + ": token id " + s[i] + " at index " + i
                            + " is outside [0, " + vocab + ")");
                }
                ids[r * width + i] = s[i];
                pos[r * width + i] = i;
                mask[r * width + i] = 1;
            }
        }
        try (NDManager m = model.manager().newSubManager(); NoGrad ng = NoGrad.enter()) {
            Shape shape = new Shape(b, width);
            float[] all = chunked(model, m.create(ids, shape), m.create(pos, shape), m.create(mask, shape),
                    TrainingPass.chunkTokensFor(vocab, m.getDevice().isGpu()));
            for (int r = 0; r < b; r++) {
                out[r] = new float[Math.max(0, seqs.get(r).length - 1)];
                System.arraycopy(all, r * (width - 1), out[r], 0, out[r].length);
            }
        }
        return out;
    }

    /**
     * {@code [B * (S-1)]} log-probs, row-major, computed {@code chunkTokens} tokens at a time: the full
     * {@code [tokens, vocab]} logits never exist at once.
     */
    static float[] chunked(QwenModel model, NDArray inputIds, NDArray positionIds, NDArray keyMask, int chunkTokens) {
        QwenForward f = model.forwardPass();
        NDArray h = f.hiddenStates(inputIds, positionIds, keyMask, null);
        long b = inputIds.getShape().get(0);
        long n = inputIds.getShape().get(1) - 1;
        long cols = Math.max(1, chunkTokens / b);
        float[] out = new float[(int) (b * n)];
        for (long from = 0; from < n; from += cols) {
            long to = Math.min(n, from + cols);
            try (NDManager s = inputIds.getManager().newSubManager()) {
                NDArray lp = f.logits(h.get(s, new NDIndex(":, {}:{}", from, to))).logSoftmax(-1);
                NDArray targets = inputIds.get(s, new NDIndex(":, {}:{}", from + 1, to + 1))
                        .toType(DataType.INT64, false).expandDims(-1);
                float[] part = lp.gather(targets, -1).squeeze(-1).toFloatArray();
                for (int r = 0; r < b; r++) {
                    System.arraycopy(part, (int) (r * (to - from)), out, (int) (r * n + from), (int) (to - from));
                }
            }
        }
        return out;
    }

    /**
     * Differentiable per-token log-probs for training: {@code [B, S-1]} with entry {@code [b, t] =
     * log p(inputIds[b, t+1] | inputIds[b, 0..t])} (entries whose target is padding are meaningless: mask them).
     *
     * @param keyMask {@code [B, S]} 1 for real tokens (right or left padding), or null
     */
    public static NDArray tokenLogprobs(QwenModel model, NDArray inputIds, NDArray positionIds, NDArray keyMask) {
        long len = inputIds.getShape().get(1);
        NDArray logits = model.forward(inputIds, positionIds, keyMask, null);
        NDArray lp = logits.get(new NDIndex(":, 0:{}, :", len - 1)).logSoftmax(-1);
        NDArray targets = inputIds.get(new NDIndex(":, 1:")).toType(DataType.INT64, false).expandDims(-1);
        return lp.gather(targets, -1).squeeze(-1);
    }
}
