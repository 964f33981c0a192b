package rsarl.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

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
                    g.set(new NDIndex("..."), 0f); // in place; g - g would keep a NaN
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
    public static List<String> nonFinite(Map<String, NDArray> params) {
        List<String> out = new ArrayList<>();
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
     * What a step with NaN or infinite gradients does (the norm is measured in float64 when float32 overflows, so a
     * merely huge gradient is finite here and gets clipped): like torch.amp's {@code GradScaler}, the update is
     * skipped (gradients zeroed; weights, optimizer and schedule untouched) with one warning line naming the
     * parameters, and training goes on: seen about once per thousand SFT steps of the demo's 3.3M model, not
     * reproducible on a rerun. {@value #MAX_CONSECUTIVE_SKIPS} such steps in a row are divergence and stop the run.
     */
    public static final class NonFiniteGuard {
        public static final int MAX_CONSECUTIVE_SKIPS = 3;
        private int consecutive;
        private long skipped;

        /** True when the update must be skipped (gradients already zeroed); throws at the limit. */
        public boolean skip(double norm, Map<String, NDArray> params, PrintStream log) {
            if (Double.isFinite(norm)) {
                consecutive = 0;
                return false;
            }
            List<String> bad = nonFinite(params);
            if (++consecutive >= MAX_CONSECUTIVE_SKIPS) {
                throw new ArithmeticException("training diverged: non-finite gradients " + consecutive
                        + " steps in a row, last in " + bad + " (weights left unchanged; lower learning_rate or"
                        + " max_grad_norm and resume from the last checkpoint)");
            }
            skipped++;
            log.println("rsa: warning: non-finite gradients in " + (bad.size() > 4 ? bad.subList(0, 4) + " and "
                    + (bad.size() - 4) + " more" : bad) + ": update skipped (" + consecutive + " in a row; "
                    + MAX_CONSECUTIVE_SKIPS + " stop the run)");
            log.flush();
            zero(params.values());
            return true;
        }

        /** Updates skipped so far in this process. */
        public long skipped() {
            return skipped;
        }
    }

    /**
     * Stops a diverged step before the optimizer writes NaN into the weights. Checkpoints already written stay as
     * they are, so the run can resume with another setting.
     */
    public static void requireFiniteLoss(double loss) {
        if (!Double.isFinite(loss)) {
            throw new ArithmeticException("training diverged: loss " + loss
                    + " (weights left unchanged; lower learning_rate and resume from the last checkpoint)");
        }
    }
}
