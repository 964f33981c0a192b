package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class RopeTableTest {
    @Test
    void lookupIsCosAndSignedSinAndGrowsPastItsBound() {
        QwenConfig c = ModelPresets.config("tiny", 64, List.of());
        int d = c.headDim();
        try (NDManager m = NDManager.newBaseManager()) {
            RopeTable table = new RopeTable(c, m, DataType.FLOAT32);
            long[] positions = {0, 5, 700, 5000};
            // the bound says 10: positions 700 and 5000 must grow the table, not fail
            NDArray[] cs = table.lookup(m.create(positions, new Shape(1, positions.length)), 10);
            assertEquals(new Shape(1, positions.length, 1, d), cs[0].getShape());
            float[] cos = cs[0].toFloatArray();
            float[] sin = cs[1].toFloatArray();
            for (int p = 0; p < positions.length; p++) {
                float[] wantCos = new float[d];
                float[] wantSin = new float[d];
                for (int i = 0; i < d / 2; i++) {
                    double a = positions[p] * Math.pow(c.ropeTheta(), -2.0 * i / d);
                    wantCos[i] = wantCos[i + d / 2] = (float) Math.cos(a);
                    wantSin[i] = (float) -Math.sin(a);
                    wantSin[i + d / 2] = (float) Math.sin(a);
                }
                assertArrayEquals(wantCos, java.util.Arrays.copyOfRange(cos, p * d, (p + 1) * d), 1e-6f, "cos " + p);
                assertArrayEquals(wantSin, java.util.Arrays.copyOfRange(sin, p * d, (p + 1) * d), 1e-6f, "sin " + p);
            }
        }
    }

    @Test
    void aTableGrownInsideAnNdScopeOutlivesIt() {
        QwenConfig c = ModelPresets.config("tiny", 64, List.of());
        try (NDManager m = NDManager.newBaseManager()) {
            RopeTable table = new RopeTable(c, m, DataType.FLOAT32);
            try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
                table.lookup(m.create(new long[] {1000}, new Shape(1, 1)), 1001); // grows in the scope
            }
            NDArray[] after = table.lookup(m.create(new long[] {999}, new Shape(1, 1)), 1000);
            assertEquals((float) Math.cos(999.0), after[0].toFloatArray()[0], 1e-5f);
        }
    }
}
