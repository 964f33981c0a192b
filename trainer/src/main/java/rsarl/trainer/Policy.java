package rsarl.trainer;

import ai.djl.ndarray.NDArray;

import java.util.Map;

/**
 * What the update phase needs from a language model: logits for a packed batch and the tensors it trains.
 * The Qwen model plugs in through a small adapter ({@code QwenModel.forward(inputIds, positionIds, keyMask, null)});
 * the tests use a bigram table.
 */
public interface Policy {
    /**
     * Logits [B, P + C, V] (float32) for {@code batch}; differentiable w.r.t. {@link #trainableParameters()} when
     * called inside a {@code GradientCollector}. Called inside a closed {@code NDScope}: temporaries may be left
     * to it.
     */
    NDArray logits(TokenBatch batch);

    /** The tensors the optimizer updates (gradients attached), by stable name. */
    Map<String, NDArray> trainableParameters();
}
