package rsarl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rsarl.model.QwenModel;
import rsarl.trainer.AdamW;
import rsarl.trainer.LrSchedule;
import rsarl.trainer.QwenPolicy;
import rsarl.trainer.SftUpdate;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Time of one full training step (forward, token-level loss, backward, global-norm clipping, AdamW) on random
 * tokens: the trainer's own update path ({@link SftUpdate}) over {@code batch} sequences of {@code seq} tokens.
 * Used by scripts/bench-train.sh.
 */
@Command(name = "bench-train", hidden = true, description = "Benchmark one full training step (one JSON line).")
final class BenchTrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR")
    Path model;

    @Option(names = "--batch", defaultValue = "8")
    int batch;

    @Option(names = "--seq", defaultValue = "128", description = "tokens per sequence")
    int seq;

    @Option(names = "--warmup", defaultValue = "2")
    int warmup;

    @Option(names = "--iters", defaultValue = "10")
    int iters;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Override
    public Integer call() {
        if (batch < 1 || seq < 2 || iters < 1 || warmup < 0) {
            throw new IllegalArgumentException("need --batch >= 1, --seq >= 2, --iters >= 1, --warmup >= 0");
        }
        try (QwenModel m = QwenModel.load(model)) {
            QwenPolicy policy = new QwenPolicy(m, true);
            int vocab = m.config().vocabSize();
            SplittableRandom rnd = new SplittableRandom(seed);
            List<int[][]> pairs = new ArrayList<>();
            for (int b = 0; b < batch; b++) {
                int[] response = new int[seq - 1];
                for (int t = 0; t < response.length; t++) {
                    response[t] = rnd.nextInt(vocab);
                }
                pairs.add(new int[][] {{rnd.nextInt(vocab)}, response});
            }
            SftUpdate update = new SftUpdate(batch, seq, 1.0, 0, true);
            LrSchedule lr = LrSchedule.of("constant", 1e-5, 0, 0, warmup + iters);
            double[] ms = new double[iters];
            try (AdamW opt = new AdamW(AdamW.Hyper.defaults(0.0), AdamW.HF_DECAY, ai.djl.Device.cpu())) {
                for (int i = 0; i < warmup + iters; i++) {
                    long t0 = System.nanoTime();
                    update.run(pairs, policy, opt, lr);
                    if (i >= warmup) {
                        ms[i - warmup] = (System.nanoTime() - t0) / 1e6;
                    }
                }
            }
            double[] sorted = ms.clone();
            Arrays.sort(sorted);
            double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
            long params = m.parameters().values().stream().mapToLong(p -> p.getShape().size()).sum();
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("model", model.toString());
            o.put("parameters", params);
            o.put("batch", batch);
            o.put("seq", seq);
            o.put("threads", System.getProperty("ai.djl.pytorch.num_threads", "default"));
            o.put("iters", iters);
            o.put("median_ms", Math.round(median * 10) / 10.0);
            o.put("min_ms", Math.round(sorted[0] * 10) / 10.0);
            o.put("tokens_per_s", Math.round(batch * seq / (median / 1e3)));
            spec.commandLine().getOut().println(o);
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
