package rsarl.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import rsarl.model.LowRank;
import rsarl.model.Scalars;
import rsarl.trainer.loop.Rng;

/**
 * LoRA for one frozen linear weight {@code W [out, in]} (Hu et al. 2021, PEFT conventions):
 * {@code W_eff = W + (alpha / r) B A} with {@code A [r, in]} drawn from PEFT's {@code kaiming_uniform_(a=sqrt(5))},
 * i.e. {@code U(-1/sqrt(in), 1/sqrt(in))}, and {@code B [out, r]} zero, so training starts exactly at {@code W}.
 * A is drawn from a {@link Rng} on the Java side, so the same seed gives bit-identical adapters.
 */
public final class LoraAdapter {
    private final String name;
    private final NDArray weight;
    private final NDArray a;
    private final NDArray b;
    private final float scale;

    /**
     * @param name the base weight's parameter name (e.g. {@code model.layers.0.self_attn.q_proj.weight})
     * @param weight the frozen base weight [out, in]; never modified here
     * @param manager owner of A and B (a long-lived manager: they are trained parameters)
     */
    public LoraAdapter(String name, NDArray weight, int rank, double alpha, Rng rng, NDManager manager) {
        if (rank < 1 || weight.getShape().dimension() != 2) {
            throw new IllegalArgumentException(name + ": LoRA needs rank >= 1 and a 2-D weight, got rank " + rank
                    + " and shape " + weight.getShape());
        }
        this.name = name;
        this.weight = weight;
        long out = weight.getShape().get(0);
        long in = weight.getShape().get(1);
        float bound = (float) (1 / Math.sqrt(in));
        float[] init = new float[(int) (rank * in)];
        for (int i = 0; i < init.length; i++) {
            init[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
        // fp32 whatever the base's dtype: adapters, their gradients and AdamW moments stay full precision
        this.a = manager.create(init, new Shape(rank, in));
        this.b = manager.zeros(new Shape(out, rank), DataType.FLOAT32);
        this.a.setRequiresGradient(true);
        this.b.setRequiresGradient(true);
        this.scale = (float) (alpha / rank);
    }

    public String name() {
        return name;
    }

    /** A [r, in], trainable. */
    public NDArray a() {
        return a;
    }

    /** B [out, r], trainable, zero at start. */
    public NDArray b() {
        return b;
    }

    public float scale() {
        return scale;
    }

    /** {@code x W^T + (alpha/r) (x A^T) B^T} for {@code x [..., in]}: the cheap path (never forms B A). */
    public NDArray forward(NDArray x) {
        NDArray delta = x.matMul(a.transpose()).matMul(b.transpose());
        return x.matMul(weight.transpose()).add(delta.mul(Scalars.of(delta, scale)));
    }

    /** A, B and the scale, as the forward applies them ({@code x W^T + s (x A^T) B^T}). */
    public LowRank lowRank() {
        return new LowRank(a, b, scale);
    }

    /** {@code W + (alpha/r) B A}, differentiable w.r.t. A and B: swap it in for W in a forward pass. */
    public NDArray effectiveWeight() {
        return lowRank().effective(weight);
    }

    /** The merged weight for saving in the plain HF layout (detached; owned by {@code manager}). */
    public NDArray merged(NDManager manager) {
        NDArray w = weight.stopGradient().toType(DataType.FLOAT32, false)
                .add(b.stopGradient().matMul(a.stopGradient()).mul(scale));
        w.attach(manager);
        return w;
    }
}
