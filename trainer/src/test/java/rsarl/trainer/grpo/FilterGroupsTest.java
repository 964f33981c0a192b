package rsarl.trainer.grpo;

import org.junit.jupiter.api.Test;
import rsarl.model.Completion;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dynamic sampling: kept groups have a reward spread, quotas per kind hold, the cursor moves one batch per round. */
class FilterGroupsTest {
    private static final int G = 4;

    /** Problems whose index is a multiple of {@code every} get a reward spread; the others all-equal rewards. */
    private static Rollouts rollouts(int every, List<Long> seeds) {
        return (step, plans, g, stepSeed) -> {
            seeds.add(stepSeed);
            List<Rollouts.Group> out = new ArrayList<>();
            for (BatchPlanner.PromptPlan p : plans) {
                double[] r = new double[g];
                List<Completion> cs = new ArrayList<>();
                for (int i = 0; i < g; i++) {
                    r[i] = p.problem() % every == 0 ? i % 2 : 1;
                    cs.add(new Completion(new int[] {p.problem()}, new float[] {0f}, "stop"));
                }
                out.add(new Rollouts.Group(p.kind(), new int[] {p.problem()}, cs, r));
            }
            return new Rollouts.Result(out, 1.0, 0.5);
        };
    }

    private static BatchPlanner planner(int problems, int batch) {
        int[] pools = new int[problems];
        java.util.Arrays.fill(pools, 4);
        return new BatchPlanner(problems, batch, 0.5, 2, AggregationSource.POOL, pools, null, 13);
    }

    @Test
    void keepsOnlyGroupsWithSpreadAndKeepsTheMix() throws Exception {
        BatchPlanner planner = planner(60, 8);
        List<Long> seeds = new ArrayList<>();
        FilterGroups.Collected c = FilterGroups.collect(planner, rollouts(2, seeds), 3, 16, G, 99L, true, 10);
        assertEquals(8, c.kept().size());
        assertEquals(0, c.padded());
        assertTrue(c.rounds() >= 2, "half the problems have no spread: one batch of 8 cannot fill 8 slots");
        assertEquals(16 + 8L * c.rounds(), c.cursor());
        assertEquals(8 * c.rounds(), c.generated().size());
        assertEquals(c.rounds(), seeds.size());
        assertEquals(99L, seeds.get(0), "round 0 samples with the step seed (as without filtering)");
        assertEquals(seeds.size(), seeds.stream().distinct().count(), "every round has its own seed");
        assertEquals(1.0 * c.rounds(), c.generationSeconds(), 1e-12);
        assertEquals(0.5 * c.rounds(), c.scoringSeconds(), 1e-12);
        for (int i = 0; i < 8; i++) {
            Rollouts.Group g = c.kept().get(i);
            assertTrue(Advantages.hasSpread(g.rewards(), 0, g.rewards().length));
            assertEquals(i < 4 ? BatchPlanner.Kind.AGGREGATION : BatchPlanner.Kind.STANDARD, g.kind());
        }
        // Deterministic: the same call replays the same groups.
        FilterGroups.Collected again = FilterGroups.collect(planner, rollouts(2, new ArrayList<>()), 3, 16, G, 99L,
                true, 10);
        for (int i = 0; i < 8; i++) {
            assertEquals(c.kept().get(i).promptIds()[0], again.kept().get(i).promptIds()[0]);
        }
    }

    @Test
    void padsWithZeroSpreadGroupsAfterTheLastRound() throws Exception {
        BatchPlanner planner = planner(60, 8);
        FilterGroups.Collected c = FilterGroups.collect(planner, rollouts(1000, new ArrayList<>()), 1, 0, G, 5L,
                true, 3); // only problem 0 has spread
        assertEquals(3, c.rounds());
        assertEquals(24, c.cursor());
        assertEquals(8, c.kept().size());
        long withSpread = c.kept().stream().filter(g -> Advantages.hasSpread(g.rewards(), 0, g.rewards().length))
                .count();
        assertEquals(8 - withSpread, c.padded());
        assertTrue(c.padded() >= 7);
        assertEquals(4, c.kept().stream().filter(g -> g.kind() == BatchPlanner.Kind.AGGREGATION).count());
    }

    @Test
    void offMeansOneRoundWithEveryGroupInPlanOrder() throws Exception {
        BatchPlanner planner = planner(60, 8);
        FilterGroups.Collected c = FilterGroups.collect(planner, rollouts(2, new ArrayList<>()), 1, 8, G, 5L, false,
                4);
        assertEquals(1, c.rounds());
        assertEquals(16, c.cursor());
        assertSame(c.generated(), c.kept());
        List<BatchPlanner.PromptPlan> plans = planner.plan(1, 8);
        for (int i = 0; i < 8; i++) {
            assertEquals(plans.get(i).problem(), c.kept().get(i).promptIds()[0]);
        }
        assertFalse(c.kept().stream().allMatch(g -> Advantages.hasSpread(g.rewards(), 0, g.rewards().length)));
    }
}
