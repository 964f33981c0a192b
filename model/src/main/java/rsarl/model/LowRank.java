package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.core.Linear;

/**
 * A low-rank update {@code s B A} of a frozen linear weight {@code W [out, in]} (LoRA): {@code A [r, in]},
 * {@code B [out, r]} (float32, trained), {@code s = alpha / r}.
 */
public record LowRank(NDArray a, NDArray b, float scale) {
    /**
     * {@code s (x A^T) B^T} for {@code x [..., in]}, in float32 and cast back to x's type: added to {@code x W^T}
     * it is {@code x (W + s B A)^T} without forming {@code W + s B A} (whose copy and {@code [out, in]} gradient
     * GEMM would cost as much as W itself).
     */
    public NDArray apply(NDArray x) {
        NDArray xa = Linear.linear(Casts.to(x, DataType.FLOAT32), a).singletonOrThrow();
        NDArray delta = Linear.linear(xa.mul(Scalars.of(xa, scale)), b).singletonOrThrow();
        return Casts.to(delta, x.getDataType());
    }

    /** {@code W + s B A} in W's type, differentiable w.r.t. A and B (for forwards that are not linear layers). */
    public NDArray effective(NDArray weight) {
        NDArray ba = b.matMul(a);
        NDArray delta = ba.mul(Scalars.of(ba, scale));
        return weight.add(Casts.to(delta, weight.getDataType()));
    }
}
