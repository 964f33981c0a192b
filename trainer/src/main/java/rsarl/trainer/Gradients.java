package rsarl.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

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
        double norm = globalNorm(params, scope, false);
        // A finite gradient of ~1e19 squares past float32's range: measure again in float64 (rare, so the copy is
        // only paid then), so that clipping scales such a step down instead of multiplying it by 0/inf = NaN.
        return Double.isFinite(norm) ? norm : globalNorm(params, scope, true);
    }

    private static double globalNorm(Collection<NDArray> params, NDManager scope, boolean float64) {
        NDList norms = new NDList();
        for (NDArray p : params) {
            if (p.hasGradient()) {
                NDArray g = p.getGradient();
                g.attach(scope);
                NDArray x = float64 ? g.toType(DataType.FLOAT64, false) : g;
                norms.add(x.norm().toType(DataType.FLOAT64, false).reshape(1));
            }
        }
        if (norms.isEmpty()) {
            return 0;
        }
        NDArray all = norms.size() == 1 ? norms.get(0) : NDArrays.concat(norms);
        return all.norm().getDouble();
    }

    /** Names of the parameters whose gradient holds a NaN or an infinity (diagnostics for a diverged step). */
    public static java.util.List<String> nonFinite(java.util.Map<String, NDArray> params) {
        java.util.List<String> out = new java.util.ArrayList<>();
        try (NDManager scope = NDManager.newBaseManager(firstDevice(params.values()))) {
            for (var e : params.entrySet()) {
                if (e.getValue().hasGradient()) {
                    NDArray g = e.getValue().getGradient();
                    g.attach(scope);
                    NDArray bad = g.isNaN().logicalOr(g.isInfinite());
                    if (bad.any().getBoolean()) {
                        out.add(e.getKey() + " (" + bad.sum().getLong() + " of " + g.size() + ")");
                    }
                }
            }
        }
        return out;
    }

    private static ai.djl.Device firstDevice(Collection<NDArray> params) {
        return params.isEmpty() ? ai.djl.Device.cpu() : params.iterator().next().getDevice();
    }

    /**
     * Stops a diverged step before the optimizer writes NaN into the weights. Checkpoints already written stay as
     * they are, so the run can resume with another setting.
     */
    /**
     * Stops a step whose gradients hold a NaN or an infinity (the norm is measured in float64 when float32
     * overflows, so a merely huge gradient passes and is clipped), naming the parameters, before the update.
     */
    public static void requireFiniteGradients(double norm, java.util.Map<String, NDArray> params) {
        if (!Double.isFinite(norm)) {
            throw new ArithmeticException("training diverged: non-finite gradients in " + nonFinite(params)
                    + " (weights left unchanged; lower learning_rate or max_grad_norm and resume from the last"
                    + " checkpoint)");
        }
    }

    public static void requireFiniteLoss(double loss) {
        if (!Double.isFinite(loss)) {
            throw new ArithmeticException("training diverged: loss " + loss
                    + " (weights left unchanged; lower learning_rate and resume from the last checkpoint)");
        }
    }
}
