package rsarl.trainer.grpo;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchPlannerTest {
    @Test
    void mixesKindsByRatioAndCoversEveryProblemEachEpoch() {
        int[] pools = {5, 6, 4, 8, 4, 7, 5};
        BatchPlanner p = new BatchPlanner(7, 4, 0.5, 4, AggregationSource.POOL, pools, null, 3);
        long cursor = 0;
        Set<Integer> firstEpoch = new HashSet<>();
        for (int step = 1; step <= 7; step++) { // 28 slots = 4 epochs of 7 problems
            List<BatchPlanner.PromptPlan> plan = p.plan(step, cursor);
            assertEquals(4, plan.size());
            for (int i = 0; i < 4; i++) {
                BatchPlanner.PromptPlan pp = plan.get(i);
                assertEquals(i < 2 ? BatchPlanner.Kind.AGGREGATION : BatchPlanner.Kind.STANDARD, pp.kind());
                if (pp.kind() == BatchPlanner.Kind.AGGREGATION) {
                    assertEquals(4, pp.candidates().length);
                    assertEquals(4, java.util.Arrays.stream(pp.candidates()).distinct().count());
                    for (int c : pp.candidates()) {
                        assertTrue(c >= 0 && c < pools[pp.problem()]);
                    }
                }
                if (cursor + i < 7) {
                    firstEpoch.add(pp.problem());
                }
            }
            cursor = p.advance(cursor);
        }
        assertEquals(7, firstEpoch.size(), "an epoch visits every problem once");
    }

    @Test
    void plansAreAPureFunctionOfStepAndCursor() {
        BatchPlanner a = new BatchPlanner(10, 3, 1.0 / 3, 2, AggregationSource.POOL, new int[] {
                2, 2, 2, 2, 2, 3, 3, 3, 3, 3}, null, 9);
        BatchPlanner b = new BatchPlanner(10, 3, 1.0 / 3, 2, AggregationSource.POOL, new int[] {
                2, 2, 2, 2, 2, 3, 3, 3, 3, 3}, null, 9);
        List<BatchPlanner.PromptPlan> x = a.plan(17, 48);
        List<BatchPlanner.PromptPlan> y = b.plan(17, 48);
        for (int i = 0; i < 3; i++) {
            assertEquals(x.get(i).problem(), y.get(i).problem());
            assertArrayEquals(x.get(i).candidates(), y.get(i).candidates());
        }
        assertEquals(1, x.stream().filter(pp -> pp.kind() == BatchPlanner.Kind.AGGREGATION).count());
    }

    @Test
    void ratioRoundingAndPolicySource() {
        assertEquals(0, BatchPlanner.aggregationCount(8, 0));
        assertEquals(4, BatchPlanner.aggregationCount(8, 0.5));
        assertEquals(8, BatchPlanner.aggregationCount(8, 1));
        assertEquals(2, BatchPlanner.aggregationCount(5, 0.3)); // 1.5 rounds up
        BatchPlanner p = new BatchPlanner(3, 2, 1, 4, AggregationSource.POLICY, null, null, 1);
        assertEquals(0, p.plan(1, 0).get(0).candidates().length);
    }

    @Test
    void poolSmallerThanKIsRejectedNamingTheProblem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BatchPlanner(2, 2, 0.5,
                4, AggregationSource.POOL, new int[] {4, 3}, List.of("p-a", "p-b"), 1));
        assertTrue(e.getMessage().contains("aggregation.k") && e.getMessage().contains("'p-b'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BatchPlanner(2, 2, 0.5, 4, AggregationSource.POOL,
                null, null, 1));
    }

    @Test
    void rolloutStatsSplitRewardsByKind() {
        RolloutStats s = RolloutStats.of(new double[] {1, 0, 1, 1}, new boolean[] {false, false, true, true},
                new int[] {10, 20, 30, 40}, new boolean[] {false, false, false, true}, 2.0);
        assertEquals(0.5, s.rewardMeanStandard());
        assertEquals(1.0, s.rewardMeanAggregation());
        assertEquals(0.75, s.rewardMean());
        assertEquals(25, s.completionLengthMean());
        assertEquals(40, s.completionLengthMax());
        assertEquals(0.25, s.truncatedFraction());
        assertEquals(50, s.tokensPerSecond());
        assertTrue(Double.isNaN(RolloutStats.of(new double[] {1}, new boolean[] {false}, new int[] {1},
                new boolean[] {false}, 1).rewardMeanAggregation()));
    }
}
