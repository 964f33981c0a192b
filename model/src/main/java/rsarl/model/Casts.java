package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Dtype casts that autograd can see through. DJL's {@code toType} runs torch's {@code to} detached: under a
 * GradientCollector the result has no {@code grad_fn}, so a half-precision forward would silently stop its
 * gradients at every cast. Writing into a fresh array of the target dtype ({@code index_put_}) is recorded.
 */
public final class Casts {
    private static final NDIndex ALL = new NDIndex("...");

    private Casts() {
    }

    /** {@code x} as {@code type}: differentiable while gradients are being recorded, a plain cast otherwise. */
    public static NDArray to(NDArray x, DataType type) {
        if (x.getDataType() == type) return x;
        if (!JniUtils.isGradMode()) return x.toType(type, false);
        NDArray out = x.getManager().zeros(x.getShape(), type);
        out.set(ALL, x);
        return out;
    }
}
