package rsarl.trainer.grpo;

import rsarl.trainer.loop.Rng;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * DAPO's dynamic sampling (verl's {@code filter_groups}): a group whose G rewards are all equal has zero advantage and
 * teaches nothing, so a step keeps generating fresh batches (the next {@code batch} problems of the data order) and
 * keeps only groups with a reward spread until the step's batch is full again, at most {@code max_num_gen_batches}
 * generation rounds. The batch keeps its prompt mix: aggregation and standard groups fill their own quotas (those of
 * one planned batch), so filtering does not shift {@code aggregation.ratio} towards the kind that has more spread.
 * Quotas still open after the last round are filled with filtered-out groups of that kind (zero advantage), so the
 * update always sees {@code batch * G} sequences.
 *
 * <p>Deterministic: round r of step s plans with {@link BatchPlanner#plan(long, long, int)} at the cursor after r
 * batches and samples with {@link #roundSeed}, so a resumed run replays the same rounds.
 */
final class FilterGroups {
    /** The step's kept groups (plan order: aggregation first), every generated group, and the data cursor after. */
    record Collected(List<Rollouts.Group> kept, List<Rollouts.Group> generated, long cursor, int rounds,
            int padded, double generationSeconds, double scoringSeconds, long policyVersion) {}

    private FilterGroups() {}

    /** Seed of generation round {@code round} of a step (round 0: the step seed itself). */
    static long roundSeed(long stepSeed, int round) {
        return round == 0 ? stepSeed : Rng.forStream(stepSeed ^ (round * 0x9E3779B97F4A7C15L), "round").nextLong();
    }

    /**
     * Generates and filters one step's groups.
     *
     * @param filter false: one round, every group kept in plan order (no dynamic sampling)
     * @param maxRounds most generation rounds when filtering
     */
    static Collected collect(BatchPlanner planner, Rollouts rollouts, long step, long cursor, int g, long stepSeed,
            boolean filter, int maxRounds) throws IOException {
        if (!filter) {
            List<BatchPlanner.PromptPlan> plans = planner.plan(step, cursor, 0);
            Rollouts.Result rr = checked(rollouts.rollout(step, plans, g, stepSeed), plans);
            return new Collected(rr.groups(), rr.groups(), planner.advance(cursor), 1, 0, rr.generationSeconds(),
                    rr.scoringSeconds(), rr.policyVersion());
        }
        int quotaAgg = planner.aggregationPerBatch();
        int quotaStd = planner.batchSize() - quotaAgg;
        List<Rollouts.Group> keptAgg = new ArrayList<>();
        List<Rollouts.Group> keptStd = new ArrayList<>();
        List<Rollouts.Group> droppedAgg = new ArrayList<>();
        List<Rollouts.Group> droppedStd = new ArrayList<>();
        List<Rollouts.Group> generated = new ArrayList<>();
        double gen = 0;
        double score = 0;
        int round = 0;
        long version = Rollouts.Result.CURRENT;
        while (round < maxRounds && (keptAgg.size() < quotaAgg || keptStd.size() < quotaStd)) {
            List<BatchPlanner.PromptPlan> plans = planner.plan(step, cursor, round);
            Rollouts.Result rr = checked(rollouts.rollout(step, plans, g, roundSeed(stepSeed, round)), plans);
            gen += rr.generationSeconds();
            score += rr.scoringSeconds();
            version = round == 0 ? rr.policyVersion() : Math.min(version, rr.policyVersion());
            cursor = planner.advance(cursor);
            round++;
            for (Rollouts.Group grp : rr.groups()) {
                generated.add(grp);
                boolean agg = grp.kind() == BatchPlanner.Kind.AGGREGATION;
                List<Rollouts.Group> kept = agg ? keptAgg : keptStd;
                if (Advantages.hasSpread(grp.rewards(), 0, grp.rewards().length)
                        && kept.size() < (agg ? quotaAgg : quotaStd)) {
                    kept.add(grp);
                } else {
                    (agg ? droppedAgg : droppedStd).add(grp);
                }
            }
        }
        int padded = fill(keptAgg, droppedAgg, quotaAgg) + fill(keptStd, droppedStd, quotaStd);
        List<Rollouts.Group> kept = new ArrayList<>(keptAgg);
        kept.addAll(keptStd);
        return new Collected(kept, generated, cursor, round, padded, gen, score, version);
    }

    private static Rollouts.Result checked(Rollouts.Result rr, List<BatchPlanner.PromptPlan> plans) {
        if (rr.groups().size() != plans.size()) {
            throw new IllegalStateException("rollouts returned " + rr.groups().size() + " groups for " + plans.size()
                    + " prompts");
        }
        return rr;
    }

    /** Tops {@code kept} up to {@code quota} with dropped groups in generation order; returns how many were added. */
    private static int fill(List<Rollouts.Group> kept, List<Rollouts.Group> dropped, int quota) {
        int added = 0;
        for (int i = 0; kept.size() < quota && i < dropped.size(); i++) {
            kept.add(dropped.get(i));
            added++;
        }
        return added;
    }
}
