package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * {@code out.backward(gradient, retain_graph)}: DJL's GradientCollector only back-propagates a scalar from ones
 * (so callers built {@code out * upstream} and its sum) and never keeps the graph. Call inside a GradientCollector.
 */
final class Backward {
    private Backward() {}

    /**
     * Accumulates {@code d(sum(out * gradient))} into the leaves' gradients. {@code keepGraph} keeps the graph
     * upstream of {@code out} for a later backward (weights that are not leaves, shared by several blocks); the
     * block's own nodes are freed with its arrays.
     */
    static void run(NDArray out, NDArray gradient, boolean keepGraph) {
        JniUtils.backward((PtNDArray) out, (PtNDArray) gradient, keepGraph, false);
    }
}
