package rsarl.trainer.loop;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RngTest {
    @Test
    void restoredStateContinuesTheSameSequence() {
        Rng a = Rng.forStream(1234, "data");
        for (int i = 0; i < 5; i++) {
            a.nextLong();
        }
        Rng b = new Rng(a.state());
        for (int i = 0; i < 100; i++) {
            assertEquals(a.nextLong(), b.nextLong());
        }
        assertNotEquals(Rng.forStream(1234, "data").nextLong(), Rng.forStream(1234, "sampler").nextLong());
    }

    @Test
    void boundedDrawsAreInRangeAndRoughlyUniform() {
        Rng r = new Rng(9);
        int[] counts = new int[7];
        for (int i = 0; i < 70_000; i++) {
            counts[r.nextInt(7)]++;
        }
        for (int c : counts) {
            assertTrue(c > 9_000 && c < 11_000, "count " + c);
        }
        double d = r.nextDouble();
        assertTrue(d >= 0 && d < 1);
        int[] perm = {0, 1, 2, 3, 4, 5};
        r.shuffle(perm);
        assertEquals(15, java.util.Arrays.stream(perm).sum());
    }
}
