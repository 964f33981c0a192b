package rsarl.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rsarl.model.ComputeOptions;
import rsarl.model.QwenModel;
import rsarl.trainer.config.LoraConfig;
import rsarl.trainer.model.LoraModel;
import rsarl.trainer.model.Policy;
import rsarl.trainer.model.QwenPolicy;
import rsarl.trainer.model.TokenBatch;
import rsarl.trainer.optim.AdamW;
import rsarl.trainer.optim.LrSchedule;
import rsarl.trainer.sft.SftUpdate;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Time and peak memory of one full training step (forward, token-level loss, backward, global-norm clipping, AdamW)
 * on random tokens: the trainer's own update path ({@link SftUpdate}) over {@code batch} sequences of {@code seq}
 * tokens, full fine-tuning or LoRA. Used by scripts/bench-train.sh. {@code peak_rss_mb} is the process's peak;
 * {@code step_peak_rss_mb} the peak during the steps alone (Linux: VmHWM reset after loading, whose peak is the
 * file read); {@code step_peak_anon_mb} the most anonymous memory during the steps (without file pages that the
 * loader's mapping may leave resident), beside {@code anon_before_steps_mb}: their difference is what a step adds.
 */
@Command(name = "bench-train", hidden = true, description = "Benchmark one full training step (one JSON line).")
final class BenchTrainCommand implements Callable<Integer> {
    private static final List<String> ALL_LINEAR = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
            "up_proj", "down_proj");

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

    @Option(names = "--lora-rank", defaultValue = "0", description = "LoRA rank on every linear layer; 0: full")
    int loraRank;

    @Option(names = "--gradient-checkpointing", description = "recompute each layer during backward")
    boolean checkpointing;

    @Option(names = "--dtype", defaultValue = "fp32", description = "weights: fp32 or fp16 (fp16 needs --lora-rank)")
    String dtype;

    @Option(names = "--device", defaultValue = "cpu")
    String device;

    @Option(names = "--unchunked", hidden = true,
            description = "the pre-chunking path: one graph over the full [tokens, vocab] logits (for comparison)")
    boolean unchunked;

    @Override
    public Integer call() throws Exception {
        if (batch < 1 || seq < 2 || iters < 1 || warmup < 0 || loraRank < 0) {
            throw new IllegalArgumentException("need --batch >= 1, --seq >= 2, --iters >= 1, --warmup >= 0,"
                    + " --lora-rank >= 0");
        }
        Device d = ComputeOptions.requireAvailable(ComputeOptions.device(device), "--device " + device);
        ai.djl.ndarray.types.DataType type = ComputeOptions.computeType(dtype);
        if (type != ai.djl.ndarray.types.DataType.FLOAT32 && loraRank == 0) {
            throw new IllegalArgumentException("--dtype " + dtype + " needs --lora-rank > 0: full fine-tuning keeps"
                    + " fp32 master weights");
        }
        try (QwenModel m = QwenModel.load(model, d, type); PeakMemory peak = PeakMemory.start(d)) {
            long loadRss = PeakMemory.peakRssMb();
            System.gc(); // the loader's file mappings go with their buffers
            PeakMemory.trimHeap();
            long rssBeforeSteps = PeakMemory.rssMb();
            boolean stepPeak = PeakMemory.resetPeakRss();
            long anonBeforeSteps = PeakMemory.anonRssMb();
            peak.resetAnon();
            Policy policy = policy(m, d);
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
            double[] cpuMs = new double[iters];
            com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            try (AdamW opt = new AdamW(AdamW.Hyper.defaults(0.0), AdamW.HF_DECAY, d)) {
                for (int i = 0; i < warmup + iters; i++) {
                    long t0 = System.nanoTime();
                    long c0 = os.getProcessCpuTime();
                    update.run(pairs, policy, opt, lr);
                    if (i >= warmup) {
                        ms[i - warmup] = (System.nanoTime() - t0) / 1e6;
                        cpuMs[i - warmup] = (os.getProcessCpuTime() - c0) / 1e6;
                    }
                }
            } finally {
                if (policy instanceof AutoCloseable c) c.close();
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
            o.put("lora_rank", loraRank);
            o.put("gradient_checkpointing", checkpointing);
            o.put("dtype", dtype);
            o.put("chunked_logprobs", !unchunked);
            o.put("device", device);
            o.put("threads", System.getProperty("ai.djl.pytorch.num_threads", "default"));
            o.put("iters", iters);
            o.put("median_ms", Math.round(median * 10) / 10.0);
            o.put("min_ms", Math.round(sorted[0] * 10) / 10.0);
            o.put("tokens_per_s", Math.round(batch * seq / (median / 1e3)));
            // CPU seconds of the whole process per step: on a machine shared with other work it moves far less
            // than wall time, so ratios against another implementation's CPU time stay comparable
            o.put("median_cpu_ms", Math.round(median(cpuMs) * 10) / 10.0);
            long peakSinceReset = PeakMemory.peakRssMb();
            o.put("peak_rss_mb", stepPeak ? Math.max(loadRss, peakSinceReset) : peakSinceReset);
            o.put("load_rss_mb", loadRss);
            if (stepPeak) {
                o.put("rss_before_steps_mb", rssBeforeSteps);
                o.put("step_peak_rss_mb", peakSinceReset);
            }
            if (anonBeforeSteps >= 0) {
                o.put("anon_before_steps_mb", anonBeforeSteps);
                o.put("step_peak_anon_mb", peak.peakAnonMb());
            }
            if (d.isGpu()) o.put("peak_device_mb", peak.peakDeviceMb());
            spec.commandLine().getOut().println(o);
            spec.commandLine().getOut().flush();
        }
        return 0;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private Policy policy(QwenModel m, Device d) {
        Policy p = loraRank > 0
                ? new LoraModel(new QwenPolicy(m, false, checkpointing), new LoraConfig(loraRank, 2.0 * loraRank,
                        ALL_LINEAR), seed, d)
                : new QwenPolicy(m, true, checkpointing);
        return unchunked ? wholeLogits(p) : p;
    }

    /** {@code p} through the interface defaults only: the full logits in one graph, as before chunking. */
    private static Policy wholeLogits(Policy p) {
        return new Policy() {
            @Override
            public NDArray logits(TokenBatch batch) {
                return p.logits(batch);
            }

            @Override
            public Map<String, NDArray> trainableParameters() {
                return p.trainableParameters();
            }
        };
    }
}
