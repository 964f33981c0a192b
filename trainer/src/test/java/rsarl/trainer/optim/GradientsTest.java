package rsarl.trainer.optim;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradientsTest {
    /** Gradients [3, 4] and [12] (from d/dp sum(p * c) = c): global norm sqrt(9 + 16 + 144) = 13. */
    @Test
    void clipsByGlobalNormInPlaceWithoutLeakingHandles() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p1 = m.create(new float[] {1, 1});
            NDArray p2 = m.create(new float[] {1});
            p1.setRequiresGradient(true);
            p2.setRequiresGradient(true);
            backward(m, p1, p2);
            int before = m.getManagedArrays().size();

            assertEquals(13.0, Gradients.globalNorm(List.of(p1, p2)), 1e-5);
            double norm = Gradients.clipGlobalNorm(List.of(p1, p2), 6.5);
            assertEquals(13.0, norm, 1e-5);
            float s = (float) (6.5 / (13 + 1e-6));
            assertArrayEquals(new float[] {3 * s, 4 * s}, p1.getGradient().toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {12 * s}, p2.getGradient().toFloatArray(), 1e-6f);
            assertEquals(6.5, Gradients.globalNorm(List.of(p1, p2)), 1e-5);

            // below the threshold nothing changes
            assertEquals(6.5, Gradients.clipGlobalNorm(List.of(p1, p2), 100), 1e-5);
            assertArrayEquals(new float[] {12 * s}, p2.getGradient().toFloatArray(), 1e-6f);

            Gradients.zero(List.of(p1, p2));
            assertEquals(0.0, Gradients.globalNorm(List.of(p1, p2)));
            // the getGradient() calls in the assertions above added 3 handles; Gradients itself added none
            assertEquals(before + 3, m.getManagedArrays().size());
        }
    }

    /** Gradients of 1e20 square past float32's range; the norm is measured again in float64 and clipping works. */
    @Test
    void aHugeButFiniteGradientIsClippedNotTurnedIntoNaN() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.create(new float[] {1, 1});
            p.setRequiresGradient(true);
            try (NDManager sub = m.newSubManager();
                    GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(p.mul(sub.create(new float[] {3e20f, 4e20f})).sum());
            }
            double norm = Gradients.clipGlobalNorm(List.of(p), 1.0);
            assertEquals(5e20, norm, 1e14);
            assertArrayEquals(new float[] {0.6f, 0.8f}, p.getGradient().toFloatArray(), 1e-6f);
            assertFalse(new Gradients.NonFiniteGuard().skip(norm, java.util.Map.of("w", p), System.err));
        }
    }

    @Test
    void aNaNGradientSkipsTheUpdateNamingTheParameterAndThreeInARowStop() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray good = m.create(new float[] {1});
            NDArray bad = m.create(new float[] {1, 1});
            good.setRequiresGradient(true);
            bad.setRequiresGradient(true);
            try (NDManager sub = m.newSubManager();
                    GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(good.sum().add(bad.mul(sub.create(new float[] {Float.NaN, 1})).sum()));
            }
            var params = new java.util.LinkedHashMap<String, NDArray>();
            params.put("layers.0.good", good);
            params.put("layers.0.bad", bad);
            double norm = Gradients.clipGlobalNorm(params.values(), 1.0);
            java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
            java.io.PrintStream out = new java.io.PrintStream(log, true);
            Gradients.NonFiniteGuard guard = new Gradients.NonFiniteGuard();
            // skipped (gradients zeroed) and named, twice; a finite step in between resets the count
            assertTrue(guard.skip(norm, params, out));
            assertTrue(log.toString().contains("layers.0.bad (1 of 2)") && !log.toString().contains("good"),
                    log.toString());
            assertEquals(0.0, Gradients.globalNorm(params.values()));
            assertFalse(guard.skip(1.0, params, out));
            assertTrue(guard.skip(Double.NaN, params, out));
            assertTrue(guard.skip(Double.POSITIVE_INFINITY, params, out));
            assertEquals(3, guard.skipped());
            // the third in a row is divergence
            ArithmeticException e = assertThrows(ArithmeticException.class,
                    () -> guard.skip(Double.NaN, params, out));
            assertTrue(e.getMessage().contains("3 steps in a row"), e.getMessage());
        }
    }

    @Test
    void aNonFiniteLossStopsTheStep() {
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> Gradients.requireFiniteLoss(Double.NaN));
        assertTrue(e.getMessage().contains("diverged"), e.getMessage());
        assertThrows(ArithmeticException.class, () -> Gradients.requireFiniteLoss(Double.POSITIVE_INFINITY));
        Gradients.requireFiniteLoss(-0.5);
    }

    private static void backward(NDManager m, NDArray p1, NDArray p2) {
        try (NDManager sub = m.newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = p1.mul(sub.create(new float[] {3, 4})).sum().add(p2.mul(12).sum());
            gc.backward(loss);
        }
    }
}
