package rsarl.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import java.util.Collection;

/**
 * Gradient bookkeeping over a parameter list.
 *
 * <p>In the PyTorch engine every {@code getGradient()} call creates a new handle attached to the <em>parameter's</em>
 * (long-lived) manager; each one is therefore moved to a short-lived sub-manager here so that a step never grows
 * native memory. In-place ops on that handle write through to the real gradient.
 */
public final class Gradients {
    /** torch's {@code clip_grad_norm_} guard. */
    static final double CLIP_EPS = 1e-6;

    private Gradients() {}

    /** Zeroes the gradients in place (after an update, before the next accumulation). */
    public static void zero(Collection<NDArray> params) {
        try (NDManager scope = NDManager.newBaseManager(firstDevice(params))) {
            for (NDArray p : params) {
                if (p.hasGradient()) {
                    NDArray g = p.getGradient();
                    g.attach(scope);
                    g.subi(g);
                }
            }
        }
    }

    /** The L2 norm of all gradients taken together (torch: norm of the per-tensor norms). */
    public static double globalNorm(Collection<NDArray> params) {
        try (NDManager scope = NDManager.newBaseManager(firstDevice(params))) {
            return globalNorm(params, scope);
        }
    }

    /**
     * Global-norm clipping (torch {@code clip_grad_norm_}): if the total norm exceeds {@code maxNorm}, every gradient
     * is scaled in place by {@code maxNorm / (norm + 1e-6)}. DJL's {@code optClipGrad} clips element-wise instead, so
     * it is not used. Returns the norm before clipping; {@code maxNorm <= 0} only measures.
     */
    public static double clipGlobalNorm(Collection<NDArray> params, double maxNorm) {
        try (NDManager scope = NDManager.newBaseManager(firstDevice(params))) {
            double norm = globalNorm(params, scope);
            double coef = maxNorm / (norm + CLIP_EPS);
            if (maxNorm > 0 && coef < 1.0) {
                for (NDArray p : params) {
                    if (p.hasGradient()) {
                        NDArray g = p.getGradient();
                        g.attach(scope);
                        g.muli((float) coef);
                    }
                }
            }
            return norm;
        }
    }

    private static double globalNorm(Collection<NDArray> params, NDManager scope) {
        NDList norms = new NDList();
        for (NDArray p : params) {
            if (p.hasGradient()) {
                NDArray g = p.getGradient();
                g.attach(scope);
                norms.add(g.norm().reshape(1));
            }
        }
        if (norms.isEmpty()) {
            return 0;
        }
        NDArray all = norms.size() == 1 ? norms.get(0) : NDArrays.concat(norms);
        return all.norm().toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
    }

    private static ai.djl.Device firstDevice(Collection<NDArray> params) {
        return params.isEmpty() ? ai.djl.Device.cpu() : params.iterator().next().getDevice();
    }

    /**
     * Stops a diverged step before the optimizer writes NaN into the weights. Only the loss is checked: an infinite
     * gradient norm on its own is handled as torch's {@code clip_grad_norm_} does (the clip scale goes to 0).
     * Checkpoints already written stay as they are, so the run can resume with another setting.
     */
    public static void requireFiniteLoss(double loss) {
        if (!Double.isFinite(loss)) {
            throw new ArithmeticException("training diverged: loss " + loss
                    + " (weights left unchanged; lower learning_rate and resume from the last checkpoint)");
        }
    }
}
