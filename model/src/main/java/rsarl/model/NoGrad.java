package rsarl.model;

import ai.djl.pytorch.jni.JniUtils;

/**
 * {@code torch.no_grad()} for a block, also inside an open GradientCollector: ops run there record no graph, so
 * their inputs are not kept for a backward. Restores the previous mode on close.
 */
public final class NoGrad implements AutoCloseable {
    private final boolean previous;

    private NoGrad() {
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
    }

    public static NoGrad enter() {
        return new NoGrad();
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
