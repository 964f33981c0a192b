package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.List;

/**
 * Presence, frequency and repetition penalties on one step's logits {@code [B, V]}, on the engine, in vLLM's
 * order: repetition first (a token of the prompt or the output has a positive logit divided by the penalty, a
 * negative one multiplied), then {@code - frequency * count - presence * [count > 0]} over the output's counts.
 */
final class LogitPenalties {
    private LogitPenalties() {
    }

    static boolean any(SamplingParams[] params) {
        for (SamplingParams p : params) if (p.penalties().active()) return true;
        return false;
    }

    /**
     * @param prompts per row, the prompt ids
     * @param outputs per row, the tokens generated so far
     */
    static NDArray apply(NDManager m, NDArray logits, SamplingParams[] params, List<int[]> prompts,
                         List<List<Integer>> outputs) {
        int b = params.length;
        int vocab = (int) logits.getShape().get(1);
        float[] counts = new float[b * vocab];
        float[] seen = new float[b * vocab];
        float[] presence = new float[b];
        float[] frequency = new float[b];
        float[] repetition = new float[b];
        for (int r = 0; r < b; r++) {
            SamplingParams.Penalties p = params[r].penalties();
            presence[r] = (float) p.presence();
            frequency[r] = (float) p.frequency();
            repetition[r] = (float) p.repetition();
            if (!p.active()) continue;
            for (int t : outputs.get(r)) {
                counts[r * vocab + t]++;
                seen[r * vocab + t] = 1;
            }
            for (int t : prompts.get(r)) seen[r * vocab + t] = 1;
        }
        Shape col = new Shape(b, 1);
        NDArray rep = m.create(repetition, col);
        NDArray repeated = m.create(seen, new Shape(b, vocab)).gt(0);
        NDArray scaled = NDArrays.where(logits.gt(0), logits.div(rep), logits.mul(rep));
        NDArray out = NDArrays.where(repeated, scaled, logits);
        NDArray count = m.create(counts, new Shape(b, vocab));
        return out.sub(count.mul(m.create(frequency, col))).sub(count.gt(0).toType(logits.getDataType(), false)
                .mul(m.create(presence, col)));
    }
}
