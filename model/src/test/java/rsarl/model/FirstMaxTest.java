package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The folded search returns argmax's ids: the first index of each row's maximum. */
class FirstMaxTest {
    @Test
    void matchesArgmaxOnRandomTiedAndNanRows() {
        SplittableRandom g = new SplittableRandom(5);
        try (NDManager m = NDManager.newBaseManager()) {
            for (int v : new int[] {1, 7, FirstMax.W, FirstMax.W + 1, 4 * FirstMax.W, 5000, 32768, 151646}) {
                int b = 6;
                float[] x = new float[b * v];
                for (int r = 0; r < b; r++) {
                    for (int i = 0; i < v; i++) {
                        double z = g.nextGaussian() * 3;
                        x[r * v + i] = (float) switch (r) {
                            case 1 -> Math.rint(z);        // many ties at the maximum, in several columns
                            case 2 -> 0.0;                 // one big tie: argmax's row fallback
                            default -> z;
                        };
                    }
                }
                if (v > 2) {
                    x[3 * v + v / 2] = 100f;               // the same maximum twice: the first wins
                    x[3 * v + v - 1] = 100f;
                    x[4 * v + v / 3] = Float.NaN;          // argmax ranks NaN first
                    x[5 * v + v - 1] = 50f;                // the maximum in the ragged tail
                }
                try (NDManager s = m.newSubManager()) {
                    NDArray a = s.create(x, new Shape(b, v));
                    long[] want = a.argMax(1).toLongArray();
                    int[] got = FirstMax.of(s, a);
                    int[] wantInt = new int[b];
                    for (int r = 0; r < b; r++) wantInt[r] = (int) want[r];
                    assertArrayEquals(wantInt, got, "vocab " + v);
                }
            }
        }
    }

    @Test
    void segmentsCoverTheRowInFoldableRuns() {
        long covered = 0;
        for (var s : FirstMax.segments(151646)) {
            assertEquals(covered, s.start());
            covered += s.width();
        }
        assertEquals(151646, covered);
        assertEquals(4, FirstMax.segments(151646).size()); // 131072 + 16384 + 4096, then the last 94 ids
    }
}
