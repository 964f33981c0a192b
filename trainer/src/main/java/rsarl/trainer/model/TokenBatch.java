package rsarl.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import rsarl.model.Scalars;

import java.util.List;

/**
 * Prompt + completion sequences packed as one [B, P + C] batch: prompts left-padded to a common length P, so every
 * completion starts at column P, and completions right-padded to C (TRL's layout). The logits at column
 * {@code P - 1 + t} predict completion token {@code t}, which makes the per-token log-probs a plain slice + gather.
 *
 * @param batch B
 * @param promptLength P (longest prompt)
 * @param completionLength C (longest completion)
 * @param inputIds [B * (P + C)] token ids, {@code padId} where padded
 * @param positionIds [B * (P + C)] {@code cumsum(attention) - 1}, 0 on left padding
 * @param attentionMask [B * (P + C)] 1 for real tokens
 * @param completionMask [B * C] 1 for completion tokens that count in the loss
 * @param completionLengths real completion lengths
 */
public record TokenBatch(int batch, int promptLength, int completionLength, long[] inputIds, long[] positionIds,
        long[] attentionMask, float[] completionMask, int[] completionLengths) {

    /**
     * @param truncated per row, whether the completion hit {@code max_completion_length} without an end token;
     *     may be null
     * @param maskTruncated {@code mask_truncated_completions}: truncated rows get an all-zero completion mask
     */
    public static TokenBatch build(List<int[]> prompts, List<int[]> completions, int padId, boolean[] truncated,
            boolean maskTruncated) {
        if (prompts.size() != completions.size() || prompts.isEmpty()) {
            throw new IllegalArgumentException("need as many prompts as completions, got " + prompts.size() + " and "
                    + completions.size());
        }
        int b = prompts.size();
        int p = prompts.stream().mapToInt(a -> a.length).max().orElse(0);
        int c = Math.max(1, completions.stream().mapToInt(a -> a.length).max().orElse(0));
        if (p < 1) {
            throw new IllegalArgumentException("every batch needs at least one prompt token");
        }
        int s = p + c;
        long[] ids = new long[b * s];
        long[] pos = new long[b * s];
        long[] att = new long[b * s];
        float[] cm = new float[b * c];
        int[] lens = new int[b];
        for (int i = 0; i < b; i++) {
            int[] pr = prompts.get(i);
            int[] co = completions.get(i);
            if (pr.length == 0) {
                throw new IllegalArgumentException("prompt " + i + " is empty");
            }
            java.util.Arrays.fill(ids, i * s, (i + 1) * s, padId);
            int start = p - pr.length;
            long next = 0;
            for (int j = 0; j < pr.length; j++) {
                ids[i * s + start + j] = pr[j];
                att[i * s + start + j] = 1;
                pos[i * s + start + j] = next++;
            }
            boolean drop = maskTruncated && truncated != null && truncated[i];
            for (int t = 0; t < co.length; t++) {
                ids[i * s + p + t] = co[t];
                att[i * s + p + t] = 1;
                pos[i * s + p + t] = next++;
                cm[i * c + t] = drop ? 0f : 1f;
            }
            for (int t = co.length; t < c; t++) {
                pos[i * s + p + t] = next; // never a key for real tokens; any value works
            }
            lens[i] = co.length;
        }
        return new TokenBatch(b, p, c, ids, pos, att, cm, lens);
    }

    public int sequenceLength() {
        return promptLength + completionLength;
    }

    public NDArray inputIds(NDManager m) {
        return m.create(inputIds, new Shape(batch, sequenceLength()));
    }

    public NDArray positionIds(NDManager m) {
        return m.create(positionIds, new Shape(batch, sequenceLength()));
    }

    /** The key mask for the model's forward ([B, P + C], 1 = real token), in the dtype the model wants. */
    public NDArray attentionMask(NDManager m, DataType type) {
        return m.create(attentionMask, new Shape(batch, sequenceLength())).toType(type, false);
    }

    public NDArray completionMask(NDManager m) {
        return m.create(completionMask, new Shape(batch, completionLength));
    }

    /** Number of completion tokens that count (for the loss normaliser). */
    public long maskedTokens() {
        long n = 0;
        for (float v : completionMask) {
            n += v > 0 ? 1 : 0;
        }
        return n;
    }

    /** Per-row values (e.g. sampler log-probs, one per completion token) padded with 0 to [B, C]. */
    public NDArray perToken(NDManager m, List<float[]> rows) {
        if (rows.size() != batch) {
            throw new IllegalArgumentException("expected " + batch + " rows, got " + rows.size());
        }
        float[] out = new float[batch * completionLength];
        for (int i = 0; i < batch; i++) {
            float[] r = rows.get(i);
            if (r.length != completionLengths[i]) {
                throw new IllegalArgumentException("row " + i + " has " + r.length + " values for "
                        + completionLengths[i] + " completion tokens");
            }
            System.arraycopy(r, 0, out, i * completionLength, r.length);
        }
        return m.create(out, new Shape(batch, completionLength));
    }

    /** Logits at the columns that predict completion tokens: [B, P+C, V] -> [B, C, V], divided by temperature. */
    public NDArray completionLogits(NDArray logits, double temperature) {
        NDArray sliced = logits.get(":, " + (promptLength - 1) + ":" + (sequenceLength() - 1) + ", :");
        return temperature == 1.0 ? sliced : sliced.div(Scalars.of(sliced, (float) temperature));
    }

    /**
     * Per-token log-probs of the completion tokens under {@code logits} ([B, P+C, V] from a forward over
     * {@link #inputIds}): {@code log_softmax(logits / T)} gathered at the next token. Returns [B, C]; padded
     * positions hold garbage and must be masked. Differentiable.
     */
    public NDArray completionLogprobs(NDArray logits, NDArray inputIds, double temperature) {
        return gatherLogprobs(completionLogits(logits, temperature), inputIds.get(":, " + promptLength + ":"));
    }

    /** {@code log_softmax(logits)[..., target]}: [B, T, V] and [B, T] -> [B, T]. */
    public static NDArray gatherLogprobs(NDArray logits, NDArray targets) {
        return logits.logSoftmax(-1).gather(targets.toType(DataType.INT64, false).expandDims(-1), -1).squeeze(-1);
    }

    /** Per-token entropy {@code -sum_v p log p} of [B, T, V] logits, as [B, T]. */
    public static NDArray entropy(NDArray logits) {
        NDArray logp = logits.logSoftmax(-1);
        return logp.exp().mul(logp).sum(new int[] {-1}).neg();
    }

    /** Mean of {@code x} over positions where {@code mask} is 1 (0 when the mask is empty). */
    public static double maskedMean(NDArray x, NDArray mask) {
        double n = mask.sum().toType(DataType.FLOAT64, false).getDouble();
        return n == 0 ? 0 : x.mul(mask).sum().toType(DataType.FLOAT64, false).getDouble() / n;
    }

    /** Mean |a - b| over masked positions, e.g. sampler vs trainer log-probs. */
    public static double maskedMeanAbsDiff(NDArray a, NDArray b, NDArray mask) {
        return maskedMean(a.sub(b).abs(), mask);
    }
}
