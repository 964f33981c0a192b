package rsarl.trainer.grpo;

import rsarl.model.OpenMpTeam;
import rsarl.trainer.config.TrainConfig;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Asynchronous rollouts ({@code rollout.max_staleness: n}, prime-rl's {@code max_off_policy_steps}): while step s
 * trains, one background thread generates the rollouts of steps s+1 .. s+n in order, each from the newest policy
 * version the server has when it starts, so step s trains on a version of at least s - 1 - n (lag at most n).
 * Without staleness every step collects on the caller's thread, exactly as before. The prompts of a future step are
 * known in advance because, without {@code filter_groups}, the data cursor advances one batch per step.
 */
final class RolloutsAhead implements AutoCloseable {
    private final BatchPlanner planner;
    private final Rollouts rollouts;
    private final TrainConfig cfg;
    private final int staleness;
    private final ExecutorService thread;
    private final Deque<Future<FilterGroups.Collected>> pending = new ArrayDeque<>();
    private long plannedStep;
    private long plannedCursor;

    RolloutsAhead(BatchPlanner planner, Rollouts rollouts, TrainConfig cfg, long step, long cursor) {
        this.planner = planner;
        this.rollouts = rollouts;
        this.cfg = cfg;
        this.staleness = Math.max(0, rollouts.maxStaleness());
        this.thread = staleness == 0 ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "rollouts-ahead");
            t.setDaemon(true);
            return t;
        });
        this.plannedStep = step;
        this.plannedCursor = cursor;
    }

    /** Step {@code step}'s batch: generated ahead, or now (on this thread) when nothing was scheduled. */
    FilterGroups.Collected take(long step, long cursor, long seed) throws IOException {
        if (pending.isEmpty()) {
            plannedStep = step;
            return FilterGroups.collect(planner, rollouts, step, cursor, cfg.numGenerations(), seed,
                    cfg.filterGroups().enable(), cfg.filterGroups().maxNumGenBatches());
        }
        try {
            return pending.removeFirst().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for step " + step + "'s rollouts", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw new IOException(io.getMessage(), io);
            if (c instanceof RuntimeException re) throw re;
            throw new IOException(c);
        }
    }

    /** After step {@code step}'s batch is in hand: starts the steps up to {@code step + n} not yet started. */
    void schedule(long step, long cursorAfter) {
        if (thread == null) return;
        if (plannedStep <= step) {
            plannedStep = step;
            plannedCursor = cursorAfter;
        }
        while (plannedStep < Math.min(step + staleness, cfg.maxSteps())) {
            long t = ++plannedStep;
            long c = plannedCursor;
            plannedCursor = planner.advance(c);
            long seed = GrpoTrainer.stepSeed(cfg.seed(), t);
            pending.addLast(thread.submit(() -> {
                try {
                    return FilterGroups.collect(planner, rollouts, t, c, cfg.numGenerations(), seed, false, 1);
                } finally {
                    // between steps ahead: the training thread's OpenMP workers may spin again (OpenMpTeam)
                    OpenMpTeam.release();
                }
            }));
        }
    }

    @Override
    public void close() {
        if (thread != null) thread.shutdownNow();
    }
}
