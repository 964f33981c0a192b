package rsarl.trainer.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import rsarl.model.TrainingPass;

import java.util.Map;
import java.util.function.Function;

/**
 * What the update phase needs from a language model: logits for a packed batch and the tensors it trains.
 * The Qwen model plugs in through a small adapter that overrides the two passes with {@link TrainingPass} (chunked
 * log-probs, optional gradient checkpointing); the tests use a bigram table and the defaults below.
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

    /**
     * One micro-batch's forward and backward: completion log-probs [B, C] at {@code temperature} go to
     * {@code loss}, whose gradient is accumulated into {@link #trainableParameters()}. Returns the detached
     * log-probs, entropy and temperature-1 log-probs (when asked). Runs in the caller's {@code NDScope}, outside
     * any GradientCollector. Default: one graph over {@link #logits}.
     */
    default TrainingPass.Result forwardBackward(TokenBatch tb, NDManager m, double temperature,
            Function<NDArray, NDArray> loss, boolean entropy, boolean raw) {
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray ids = tb.inputIds(m);
            NDArray logits = logits(tb);
            NDArray logp = tb.completionLogprobs(logits, ids, temperature);
            NDArray l = loss.apply(logp);
            gc.backward(l);
            NDArray detached = logits.stopGradient();
            return new TrainingPass.Result(logp.stopGradient(),
                    entropy ? TokenBatch.entropy(tb.completionLogits(detached, temperature)) : null,
                    raw ? tb.completionLogprobs(detached, ids, 1.0) : null, l.stopGradient());
        }
    }

    /** Completion log-probs [B, C] without gradients (old policy, reference). Default: from {@link #logits}. */
    default NDArray noGradLogprobs(TokenBatch tb, NDManager m, double temperature) {
        return tb.completionLogprobs(logits(tb), tb.inputIds(m), temperature);
    }
}
