package rsarl.trainer.grpo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import rsarl.trainer.config.LossType;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Hand-worked case, eps = 0.2, eps_high = 0.28, A = [1, -2], mask = [[1,1,1],[1,1,0]],
 * ratios rho = [[1.0, 1.5, 0.5], [0.9, 0.7, 1.3]]:
 * <pre>
 * row 0 (A=1):  rho 1.0 -> l = -1,    dl/dlogp = -A rho = -1
 *               rho 1.5 > 1.28, clipped high -> l = -1.28, grad 0
 *               rho 0.5 < 0.8 but A>0 so min keeps rho A -> l = -0.5, grad -0.5
 * row 1 (A=-2): rho 0.9 -> l = 1.8, grad 1.8
 *               rho 0.7 < 0.8 with A<0: clipped low -> l = 1.6, grad 0
 *               third token masked
 * sum = 0.62 over 5 tokens: dapo 0.124; grpo mean(-2.78/3, 3.4/2) = 0.3866667; dr_grpo (T_max=4) 0.62/8 = 0.0775
 * </pre>
 */
class PolicyLossTest {
    private static final float[][] LOGP = {{-1.0f, -0.5f, -2.0f}, {-0.3f, -1.2f, -0.7f}};
    private static final double[][] RHO = {{1.0, 1.5, 0.5}, {0.9, 0.7, 1.3}};
    private static final float[][] MASK = {{1, 1, 1}, {1, 1, 0}};
    private static final float[] ADV = {1f, -2f};

    @Test
    void clippedSurrogateValuesAndGradientsForEachLossType() {
        check(LossType.DAPO, 0.124, new float[] {-0.2f, 0, -0.1f, 0.36f, 0, 0});
        check(LossType.GRPO, 0.3866667, new float[] {-1f / 6, 0, -0.5f / 6, 0.45f, 0, 0});
        check(LossType.DR_GRPO, 0.0775, new float[] {-1f / 8, 0, -0.5f / 8, 1.8f / 8, 0, 0});
    }

    private void check(LossType type, double expectedLoss, float[] expectedGrad) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logp = m.create(LOGP);
            logp.setRequiresGradient(true);
            NDArray old = m.create(oldFrom(LOGP, RHO));
            NDArray mask = m.create(MASK);
            PolicyLoss pl = new PolicyLoss(0.2, 0.28, 0.0);
            PolicyLoss.Result r;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                r = pl.compute(logp, old, null, m.create(ADV), mask, PolicyLoss.Normaliser.of(type, mask, 4));
                gc.backward(r.loss());
            }
            assertEquals(expectedLoss, r.loss().getFloat(), 1e-5, type.name());
            assertArrayEquals(expectedGrad, logp.getGradient().toFloatArray(), 1e-5f, type.name());
            assertEquals(5, r.stats().tokens());
            assertEquals(0.2, r.stats().clipFractionLow(), 1e-9);
            assertEquals(0.2, r.stats().clipFractionHigh(), 1e-9);
            assertEquals(0.4, r.stats().clipFraction(), 1e-9);
            assertEquals(4.6 / 5, r.stats().meanRatio(), 1e-6);
            assertEquals(0, r.stats().meanKl());
        }
    }

    /**
     * k3 alone (A = 0), beta = 0.1, d = ref - logp = [[0, ln2, -ln2], [.5, -.5, 3(masked)]]:
     * k3 = e^d - d - 1 = [0, .3068528, .1931472, .1487213, .1065307]; sum .7552520;
     * dk3/dlogp = 1 - e^d = [0, -1, .5, -.6487213, .3934693].
     */
    @Test
    void k3KlValueAndGradient() {
        double ln2 = Math.log(2);
        double[][] d = {{0, ln2, -ln2}, {.5, -.5, 3}};
        float[][] ref = new float[2][3];
        for (int i = 0; i < 2; i++) {
            for (int t = 0; t < 3; t++) {
                ref[i][t] = (float) (LOGP[i][t] + d[i][t]);
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logp = m.create(LOGP);
            logp.setRequiresGradient(true);
            NDArray mask = m.create(MASK);
            PolicyLoss.Result r;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                r = new PolicyLoss(0.2, 0.2, 0.1).compute(logp, logp.stopGradient(), m.create(ref),
                        m.zeros(new ai.djl.ndarray.types.Shape(2)), mask,
                        PolicyLoss.Normaliser.of(LossType.DAPO, mask, 3));
                gc.backward(r.loss());
            }
            assertEquals(0.1 * 0.7552520 / 5, r.loss().getFloat(), 1e-6);
            assertEquals(0.7552520 / 5, r.stats().meanKl(), 1e-6);
            float[] g = logp.getGradient().toFloatArray();
            assertArrayEquals(new float[] {0, -0.02f, 0.01f, -0.012974426f, 0.007869386f, 0}, g, 1e-6f);
        }
    }

    @Test
    void microBatchesWithGlobalNormaliserEqualOneBigBatch() {
        for (LossType type : LossType.values()) {
            Random rnd = new Random(7);
            int b = 6;
            int t = 5;
            float[][] logp = new float[b][t];
            float[][] old = new float[b][t];
            float[][] ref = new float[b][t];
            float[][] mask = new float[b][t];
            float[] adv = new float[b];
            for (int i = 0; i < b; i++) {
                adv[i] = (float) rnd.nextGaussian();
                int len = 1 + rnd.nextInt(t);
                for (int j = 0; j < t; j++) {
                    logp[i][j] = (float) (-rnd.nextDouble() * 3);
                    old[i][j] = logp[i][j] + (float) (rnd.nextGaussian() * 0.3);
                    ref[i][j] = logp[i][j] + (float) (rnd.nextGaussian() * 0.3);
                    mask[i][j] = j < len ? 1 : 0;
                }
            }
            PolicyLoss pl = new PolicyLoss(0.2, 0.28, 0.04);
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray full = m.create(logp);
                full.setRequiresGradient(true);
                NDArray mFull = m.create(mask);
                PolicyLoss.Normaliser norm = PolicyLoss.Normaliser.of(type, mFull, t);
                float big;
                PolicyLoss.Stats bigStats;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    PolicyLoss.Result r = pl.compute(full, m.create(old), m.create(ref), m.create(adv), mFull, norm);
                    gc.backward(r.loss());
                    big = r.loss().getFloat();
                    bigStats = r.stats();
                }
                float[] bigGrad = full.getGradient().toFloatArray();

                NDArray param = m.create(logp);
                param.setRequiresGradient(true);
                double sum = 0;
                PolicyLoss.Stats stats = PolicyLoss.Stats.ZERO;
                for (int start = 0; start < b; start += 2) {
                    NDIndex rows = new NDIndex(start + ":" + (start + 2));
                    try (NDManager sub = m.newSubManager();
                            GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray mb = param.get(rows);
                        PolicyLoss.Result r = pl.compute(mb, sub.create(old).get(rows), sub.create(ref).get(rows),
                                sub.create(adv).get(start + ":" + (start + 2)), sub.create(mask).get(rows), norm);
                        gc.backward(r.loss());
                        sum += r.loss().getFloat();
                        stats = stats.plus(r.stats());
                    }
                }
                assertEquals(big, sum, 1e-6, type.name());
                assertArrayEquals(bigGrad, param.getGradient().toFloatArray(), 1e-7f, type.name());
                assertEquals(bigStats.tokens(), stats.tokens());
                assertEquals(bigStats.meanKl(), stats.meanKl(), 1e-6);
                assertEquals(bigStats.clipFraction(), stats.clipFraction(), 1e-9);
            }
        }
    }

    @Test
    void betaWithoutReferenceIsRejected() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(LOGP);
            NDArray mask = m.create(MASK);
            assertThrows(IllegalArgumentException.class, () -> new PolicyLoss(0.2, 0.2, 0.1).compute(x, x, null,
                    m.create(ADV), mask, PolicyLoss.Normaliser.of(LossType.DAPO, mask, 3)));
        }
    }

    private static float[][] oldFrom(float[][] logp, double[][] rho) {
        float[][] old = new float[logp.length][logp[0].length];
        for (int i = 0; i < logp.length; i++) {
            for (int t = 0; t < logp[0].length; t++) {
                old[i][t] = (float) (logp[i][t] - Math.log(rho[i][t]));
            }
        }
        return old;
    }
}
