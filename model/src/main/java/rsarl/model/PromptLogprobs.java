package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Log-probs of a prompt's own tokens under the model (one teacher-forced forward), with the most likely
 * alternatives at each position: what {@code echo} with {@code logprobs} reports, e.g. for log-likelihood scoring.
 *
 * @param logprobs    {@code logprobs[t] = log p(ids[t+1] | ids[0..t])}, length {@code ids.length - 1}
 * @param topIds      per position, the {@code top} most likely next ids (empty arrays when top is 0)
 * @param topLogprobs their log-probs
 */
public record PromptLogprobs(float[] logprobs, int[][] topIds, float[][] topLogprobs) {
    public static PromptLogprobs score(QwenModel model, int[] ids, int top) {
        int n = ids.length;
        int k = Math.min(top, model.config().vocabSize());
        if (n < 2) return new PromptLogprobs(new float[0], new int[0][], new float[0][]);
        long[] in = new long[n];
        long[] pos = new long[n];
        for (int i = 0; i < n; i++) {
            in[i] = ids[i];
            pos[i] = i;
        }
        try (NDManager m = model.manager().newSubManager()) {
            Shape s = new Shape(1, n);
            NDArray lp = model.forward(m.create(in, s), m.create(pos, s), null, null)
                    .get(new NDIndex("0, 0:{}", n - 1)).logSoftmax(-1);
            long[] next = new long[n - 1];
            for (int i = 0; i < n - 1; i++) next[i] = ids[i + 1];
            float[] chosen = lp.gather(m.create(next, new Shape(n - 1, 1)), 1).toFloatArray();
            int[][] topIds = new int[n - 1][k];
            float[][] topLps = new float[n - 1][k];
            if (k > 0) {
                NDList best = lp.topK(k, 1, true, true);
                float[] v = best.get(0).toFloatArray();
                long[] idx = best.get(1).toLongArray();
                for (int t = 0; t < n - 1; t++) {
                    for (int j = 0; j < k; j++) {
                        topIds[t][j] = (int) idx[t * k + j];
                        topLps[t][j] = v[t * k + j];
                    }
                }
            }
            return new PromptLogprobs(chosen, topIds, topLps);
        }
    }
}
