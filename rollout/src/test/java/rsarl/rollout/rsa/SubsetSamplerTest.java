package rsarl.rollout.rsa;

import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SubsetSamplerTest {

    @Test
    void membersAreDistinctAndInRange() {
        SplittableRandom random = new SplittableRandom(1);
        for (int trial = 0; trial < 2000; trial++) {
            int n = 1 + random.nextInt(20);
            int k = 1 + random.nextInt(n);
            int[] subset = SubsetSampler.draw(n, k, random);
            assertEquals(k, subset.length);
            Set<Integer> seen = new HashSet<>();
            for (int x : subset) {
                assertTrue(x >= 0 && x < n);
                assertTrue(seen.add(x), "repeated member in " + Arrays.toString(subset));
            }
        }
        assertThrows(IllegalArgumentException.class, () -> SubsetSampler.draw(3, 4, random));
    }

    /** Ordered K-tuples of the derived per-slot streams are uniform (so are the subsets and the order). */
    @Test
    void orderedSubsetsAreUniformAcrossSlots() {
        int n = 5;
        int k = 2;
        long[] counts = new long[n * n];
        int draws = 0;
        for (int slot = 0; slot < 20_000; slot++) {
            int[] s = SubsetSampler.parents(1234, 2 + slot % 9, "problem-" + slot % 7, slot, n, k);
            counts[s[0] * n + s[1]]++;
            draws++;
        }
        // Only the n*(n-1) ordered pairs of distinct members are possible; each should have 1/20 of the mass.
        long[] observed = new long[n * (n - 1)];
        double[] expected = new double[n * (n - 1)];
        int cell = 0;
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                if (a == b) {
                    assertEquals(0, counts[a * n + b]);
                    continue;
                }
                observed[cell] = counts[a * n + b];
                expected[cell++] = (double) draws / (n * (n - 1));
            }
        }
        double p = new ChiSquareTest().chiSquareTest(expected, observed);
        assertTrue(p > 1e-4, "ordered pairs not uniform, p=" + p + " counts=" + Arrays.toString(observed));
    }

    /** Membership: each population member is included with probability K/N, for K=4 of N=16. */
    @Test
    void membershipIsUniformForPaperSetting() {
        int n = 16;
        int k = 4;
        long[] counts = new long[n];
        int draws = 16_000;
        for (int i = 0; i < draws; i++) {
            for (int m : SubsetSampler.parents(99, 3, "p" + i % 30, i, n, k)) {
                counts[m]++;
            }
        }
        double[] expected = new double[n];
        Arrays.fill(expected, (double) draws * k / n);
        double p = new ChiSquareTest().chiSquareTest(expected, counts);
        assertTrue(p > 1e-4, "membership not uniform, p=" + p + " counts=" + Arrays.toString(counts));
    }

    @Test
    void sameSeedSameSubsetsDifferentSeedDifferentSubsets() {
        int[][] a = new int[50][];
        int[][] b = new int[50][];
        int[][] c = new int[50][];
        for (int slot = 0; slot < 50; slot++) {
            a[slot] = SubsetSampler.parents(7, 2, "x", slot, 16, 4);
            b[slot] = SubsetSampler.parents(7, 2, "x", slot, 16, 4);
            c[slot] = SubsetSampler.parents(8, 2, "x", slot, 16, 4);
        }
        for (int slot = 0; slot < 50; slot++) {
            assertArrayEquals(a[slot], b[slot]);
        }
        assertFalse(Arrays.deepEquals(a, c));
        assertFalse(Arrays.equals(SubsetSampler.parents(7, 2, "x", 0, 16, 4), SubsetSampler.parents(7, 3, "x", 0, 16, 4))
                && Arrays.equals(SubsetSampler.parents(7, 2, "x", 1, 16, 4), SubsetSampler.parents(7, 3, "x", 1, 16, 4)));
        long s = DerivedSeeds.requestSeed(7, 2, "x", 0);
        assertTrue(s >= 0 && s < (1L << 31));
        assertEquals(s, DerivedSeeds.requestSeed(7, 2, "x", 0));
    }
}
