package rsarl.trainer.grpo;

import org.junit.jupiter.api.Test;
import rsarl.trainer.config.AdvantageEstimator;
import rsarl.trainer.config.ScaleRewards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Expected values worked out by hand (two groups of G=4: [1,0,0,1] and [1,1,1,0]). */
class AdvantagesTest {
    private static final double[] R = {1, 0, 0, 1, 1, 1, 1, 0};

    @Test
    void grpoGroupScaleUsesUnbiasedGroupStd() {
        // group 1: mean .5, unbiased var (4*.25)/3 = 1/3, std .5773503; .5/(.5773503+1e-4) = .8658754
        // group 2: mean .75, unbiased var .75/3 = .25, std .5; .25/.5001 = .4999000, -.75/.5001 = -1.4997001
        double[] a = Advantages.grpo(R, 4, ScaleRewards.GROUP);
        assertArrayEquals(new double[] {.8658754, -.8658754, -.8658754, .8658754,
                .4999000, .4999000, .4999000, -1.4997001}, a, 1e-6);
    }

    @Test
    void grpoBatchScaleCentresPerGroupButDividesByBatchStd() {
        // batch: mean .625, ss = 5*.375^2 + 3*.625^2 = 1.875, var 1.875/7, std .5175492
        double[] a = Advantages.grpo(R, 4, ScaleRewards.BATCH);
        double d = .5175492 + 1e-4;
        assertArrayEquals(new double[] {.5 / d, -.5 / d, -.5 / d, .5 / d, .25 / d, .25 / d, .25 / d, -.75 / d}, a, 1e-6);
        assertEquals(.9659052, a[0], 1e-6);
    }

    @Test
    void grpoNoScaleAndDrGrpoOnlyCentre() {
        double[] expected = {.5, -.5, -.5, .5, .25, .25, .25, -.75};
        assertArrayEquals(expected, Advantages.grpo(R, 4, ScaleRewards.NONE), 1e-12);
        assertArrayEquals(expected, Advantages.drGrpo(R, 4), 1e-12);
        assertArrayEquals(expected, Advantages.compute(AdvantageEstimator.DR_GRPO, ScaleRewards.GROUP, R, 4), 1e-12);
    }

    @Test
    void rlooSubtractsMeanOfTheOthers() {
        // group 1: 1 - (0+0+1)/3 = 2/3; 0 - (1+0+1)/3 = -2/3. group 2: 1 - (1+1+0)/3 = 1/3; 0 - 3/3 = -1
        double[] a = Advantages.rloo(R, 4);
        double t = 2.0 / 3, o = 1.0 / 3;
        assertArrayEquals(new double[] {t, -t, -t, t, o, o, o, -1}, a, 1e-12);
        assertArrayEquals(a, Advantages.compute(AdvantageEstimator.RLOO, ScaleRewards.NONE, R, 4), 0);
    }

    @Test
    void flatGroupsGiveZeroAdvantageAndAreCounted() {
        double[] r = {2, 2, 2, 0, 1, 0};
        double[] a = Advantages.grpo(r, 3, ScaleRewards.GROUP);
        assertArrayEquals(new double[] {0, 0, 0}, new double[] {a[0], a[1], a[2]}, 0);
        assertEquals(0.5, Advantages.zeroSpreadFraction(r, 3), 0);
        assertEquals(0.0, Advantages.zeroSpreadFraction(R, 4), 0);
    }

    @Test
    void badLayoutIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Advantages.grpo(new double[] {1, 2, 3}, 2, ScaleRewards.GROUP));
        assertThrows(IllegalArgumentException.class, () -> Advantages.rloo(new double[] {1, 2}, 1));
    }
}
