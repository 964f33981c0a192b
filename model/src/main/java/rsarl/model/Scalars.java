package rsarl.model;

import ai.djl.ndarray.NDArray;

/**
 * Scalar operands for arrays that autograd tracks. DJL's {@code x.mul(2f)} and {@code x.div(2f)} wrap the number in a
 * temporary array over a direct buffer, run the op and close the temporary at once; torch's backward of mul and div
 * keeps that operand and reads it later, when the JVM may already have freed the buffer: a garbage gradient (norms of
 * 1e4 to 1e23 were seen, once in a few runs, with bit-identical forwards). A scalar made here belongs to {@code x}'s
 * manager (and the open {@code NDScope}), so it lives until the backward is done.
 */
public final class Scalars {
    private Scalars() {}

    /** {@code v} as a float32 0-d array on {@code x}'s manager (what DJL's {@code x.mul(v)} would have made). */
    public static NDArray of(NDArray x, float v) {
        return x.getManager().create(v);
    }
}
