package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The two-phase search finds what a scan of every running sum finds. */
class CdfSearchTest {
    /** The reference: a scan of all sums of the row. */
    private static int scan(double[] cum, int off, int v, double t, boolean inclusive) {
        for (int i = 0; i < v; i++) if (inclusive ? cum[off + i] >= t : cum[off + i] > t) return i;
        return -1;
    }

    @Test
    void matchesAFullScanOnRandomRowsWithZerosAndPartialBlocks() {
        SplittableRandom g = new SplittableRandom(3);
        try (NDManager m = NDManager.newBaseManager()) {
            for (int v : new int[] {1, 7, CdfSearch.BLOCK, CdfSearch.BLOCK + 1, 3 * CdfSearch.BLOCK - 5, 5000}) {
                int b = 5;
                double[] probs = new double[b * v];
                for (int i = 0; i < probs.length; i++) probs[i] = g.nextDouble() < 0.3 ? 0 : g.nextDouble();
                for (int i = 0; i < Math.min(v, 40); i++) probs[(b - 1) * v + v - 1 - i] = 0; // trailing zeros
                double[] cum = new double[b * v];
                double[] u = new double[b];
                double[] total = new double[b];
                for (int r = 0; r < b; r++) {
                    double acc = 0;
                    for (int i = 0; i < v; i++) cum[r * v + i] = acc += probs[r * v + i];
                    total[r] = acc;
                    u[r] = r == 2 ? Double.NaN : g.nextDouble() * acc;
                }
                u[0] = total[0]; // nothing exceeds the total itself
                NDArray c = m.create(cum, new Shape(b, v));
                int[] strict = CdfSearch.first(m, c, u, false);
                int[] incl = CdfSearch.first(m, c, total, true);
                for (int r = 0; r < b; r++) {
                    assertEquals(Double.isNaN(u[r]) ? -1 : scan(cum, r * v, v, u[r], false), strict[r], "v " + v + " row " + r);
                    assertEquals(scan(cum, r * v, v, total[r], true), incl[r], "v " + v + " row " + r);
                }
                assertEquals(-1, strict[0], "u at the total: no id exceeds it");
            }
        }
    }

    @Test
    void lastIdThatAddsMassIsFoundBeforeTrailingZeros() {
        try (NDManager m = NDManager.newBaseManager()) {
            double[] cum = {0.1, 0.3, 0.3, 0.6, 0.6, 0.6};
            int[] got = CdfSearch.first(m, m.create(cum, new Shape(1, 6)), new double[] {0.6}, true);
            assertArrayEquals(new int[] {3}, got);
            assertArrayEquals(new int[] {1}, CdfSearch.first(m, m.create(cum, new Shape(1, 6)), new double[] {0.1}, false));
        }
    }

    /** A draw: the first sum above u; u at the total (rounding) takes the last id that adds mass; NaN skips. */
    @Test
    void drawFallsBackToTheLastIdWithMass() {
        try (NDManager m = NDManager.newBaseManager()) {
            double[] cum = {0.1, 0.3, 0.3, 0.6, 0.6, 0.6, 0.1, 0.3, 0.3, 0.6, 0.6, 0.6, 0.1, 0.3, 0.3, 0.6, 0.6, 0.6};
            int[] got = CdfSearch.draw(m, m.create(cum, new Shape(3, 6)), new double[] {0.2, 0.6, Double.NaN},
                    new double[] {0.6, 0.6, 0.6});
            assertArrayEquals(new int[] {1, 3, -1}, got);
        }
    }
}
