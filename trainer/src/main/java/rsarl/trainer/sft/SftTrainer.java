package rsarl.trainer.sft;

import rsarl.trainer.config.SftConfig;
import rsarl.trainer.loop.Rng;
import rsarl.trainer.loop.TrainingLoop;
import rsarl.trainer.model.TrainableModel;
import rsarl.trainer.optim.LrSchedule;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code rsa sft} loop: examples in a per-epoch shuffled order ({@link Rng}, a pure function of seed and
 * position, so a resume replays it), {@link SftUpdate} per step, {@code metrics.jsonl}, checkpoints and resume.
 * Tokenisation is supplied by the caller: chat-templated prompt ids and response ids ending in the end-of-turn token.
 */
public final class SftTrainer {
    /** Turns an example into {@code {promptIds, responseIds}} (chat template + tokenizer). */
    @FunctionalInterface
    public interface Encoder {
        int[][] encode(SftExample example);
    }

    private final SftConfig cfg;
    private final List<SftExample> examples;
    private final Encoder encoder;
    private final TrainableModel policy;
    private final int padId;
    private final PrintStream log;

    public SftTrainer(SftConfig cfg, List<SftExample> examples, Encoder encoder, TrainableModel policy, int padId,
            PrintStream log) {
        this.cfg = cfg;
        this.examples = examples;
        this.encoder = encoder;
        this.policy = policy;
        this.padId = padId;
        this.log = log;
    }

    /** Trains to the configured length (or {@code stopAfter}; -1 for none); returns the last step. */
    public long run(long stopAfter) throws IOException {
        long total = cfg.totalSteps(examples.size());
        LrSchedule schedule = cfg.optimizer().schedule(total);
        SftUpdate update = new SftUpdate(cfg.microBatch(), cfg.maxSeqLength(), cfg.optimizer().maxGradNorm(), padId,
                cfg.completionOnlyLoss(), cfg.microBatchMaxTokensOrZero());
        TrainingLoop loop = new TrainingLoop(new TrainingLoop.Settings(Path.of(cfg.outputDir()), cfg.saveTotalLimit(),
                total, cfg.saveSteps(), cfg.seed(), cfg.hash(), cfg.resumeAuto(), cfg.resumeFrom(),
                cfg.optimizer().adamHyper(), schedule), log);
        return loop.run(policy, (step, cursor, seed, opt) -> {
            List<int[][]> batch = new ArrayList<>();
            for (int i = 0; i < cfg.perDeviceTrainBatchSize(); i++) {
                batch.add(encoder.encode(examples.get(exampleAt(cursor + i))));
            }
            long t0 = System.nanoTime();
            SftUpdate.Result r = update.run(batch, policy, opt, schedule);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long after = cursor + cfg.perDeviceTrainBatchSize();
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("step", step);
            line.put("epoch", (double) after / examples.size());
            line.put("loss", r.loss());
            line.put("grad_norm", r.gradNorm());
            line.put("learning_rate", r.learningRate());
            line.put("tokens", r.tokens());
            line.put("update_seconds", seconds);
            return new TrainingLoop.Outcome(line, after, String.format(Locale.ROOT, "loss=%.4f", r.loss()));
        }, stopAfter);
    }

    /** Example at data position {@code pos}: epoch {@code pos / n} is a seeded permutation of the examples. */
    private int exampleAt(long pos) {
        int n = examples.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Rng.forStream(cfg.seed() ^ ((pos / n) * 0xBF58476D1CE4E5B9L), "sft-order").shuffle(order);
        return order[(int) (pos % n)];
    }
}
