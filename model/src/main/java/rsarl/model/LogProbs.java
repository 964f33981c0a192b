package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/** Log-probabilities of given tokens under the model (teacher forcing, one forward pass). */
public final class LogProbs {
    private LogProbs() {
    }

    /** {@code out[t] = log p(ids[t+1] | ids[0..t])}, length {@code ids.length - 1}. */
    public static float[] tokenLogprobs(QwenModel model, int[] ids) {
        if (ids.length < 2) return new float[0];
        int vocab = model.config().vocabSize();
        long[] in = new long[ids.length];
        long[] pos = new long[ids.length];
        long[] next = new long[ids.length - 1];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalArgumentException("token id " + ids[i] + " at index " + i + " is outside [0, " + vocab + ")");
            }
            in[i] = ids[i];
            pos[i] = i;
            if (i > 0) next[i - 1] = ids[i];
        }
        try (NDManager m = model.manager().newSubManager()) {
            NDArray logits = model.forward(m.create(in, new Shape(1, in.length)), m.create(pos, new Shape(1, in.length)),
                    null, null);
            NDArray lp = logits.get(new NDIndex(":, 0:{}, :", ids.length - 1)).logSoftmax(-1);
            return lp.gather(m.create(next, new Shape(1, next.length, 1)), -1).toFloatArray();
        }
    }
}
