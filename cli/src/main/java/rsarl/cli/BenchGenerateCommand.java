package rsarl.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.model.Generator;
import rsarl.model.QwenModel;
import rsarl.model.SharedFusedWeights;
import rsarl.model.SamplingParams;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Greedy decoding speed on random prompts, with this machine's fp32 matmul speed measured in the same process
 * so numbers from different machines can be compared. Used by scripts/bench-generate.sh.
 */
@Command(name = "bench-generate", mixinStandardHelpOptions = true,
        description = "Benchmark batched decoding (greedy, or sampled with --temperature) on random prompts (one JSON line, with this machine's "
                + "fp32 matmul GFLOP/s).")
final class BenchGenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model = new ModelOptions();

    @Option(names = "--batch", defaultValue = "1", description = "rows decoded together, default ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--prompt", defaultValue = "64", description = "prompt length in tokens, default ${DEFAULT-VALUE}")
    int promptLen;

    @Option(names = "--new", defaultValue = "64", description = "new tokens per row, default ${DEFAULT-VALUE}")
    int newTokens;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the random prompts, default ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--repeat", defaultValue = "1",
            description = "timed runs; the fastest decode is reported, default ${DEFAULT-VALUE}")
    int repeat;

    @Option(names = "--warmup-steps", defaultValue = "252",
            description = "one-row decode steps run first so the JIT has compiled the decode loop, default ${DEFAULT-VALUE}")
    int warmupSteps;

    @Option(names = "--fused-copy", defaultValue = "shared",
            description = "shared: one fused weight copy for all batches, built in the warm-up (rsa eval and rsa serve); "
                    + "per-batch: each batch builds its own at its first decode step (the trainer's rollouts); "
                    + "default ${DEFAULT-VALUE}")
    String fusedCopy;

    @Option(names = "--temperature", defaultValue = "0",
            description = "0: greedy (default); above 0 every row samples, with --top-k / --top-p / --min-p if given")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "top-k of sampled rows, 0 (default): off")
    int topK;

    @Option(names = "--top-p", defaultValue = "1", description = "top-p of sampled rows, default 1 (off)")
    double topP;

    @Option(names = "--min-p", defaultValue = "0", description = "min-p of sampled rows, default 0 (off)")
    double minP;

    @Option(names = "--profile", hidden = true, paramLabel = "FILE",
            description = "write a torch profiler trace (chrome JSON) of the last timed run")
    java.nio.file.Path profile;

    @Override
    public Integer call() {
        double gflops = matmulGflops();
        if (!fusedCopy.equals("shared") && !fusedCopy.equals("per-batch")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--fused-copy must be shared or per-batch, got '" + fusedCopy + "'");
        }
        try (QwenModel m = model.load(); SharedFusedWeights shared = new SharedFusedWeights(m)) {
            Generator gen = new Generator(m).withMaxBatch(Math.max(1, batch));
            if (fusedCopy.equals("shared")) gen = gen.withSharedFusedWeights(shared);
            int vocab = m.config().vocabSize();
            // warm-up, JIT first: the per-op Java code of a decode step (the same at any batch) is compiled after a
            // few hundred steps; cheap one-row steps get it there (alternated runs at batch 1: within noise to +20%).
            // Then the timed shapes (first calls of a shape allocate and pick kernels).
            for (int steps = 0; steps < warmupSteps; steps += 63) {
                gen.generate(requests(vocab, 1, 16, seed + 2, params(64)));
            }
            for (int i = 0; i < 2; i++) {
                gen.generate(requests(vocab, batch, promptLen, seed + 1, params(Math.min(newTokens, 16))));
            }
            List<Completion> out = null;
            Generator.Stats st = null;
            for (int i = 0; i < Math.max(1, repeat); i++) {
                boolean last = profile != null && i == Math.max(1, repeat) - 1;
                if (last) ai.djl.pytorch.jni.JniUtils.startProfile(false, true, false);
                List<Completion> o = gen.generate(requests(vocab, batch, promptLen, seed, params(newTokens)));
                if (last) ai.djl.pytorch.jni.JniUtils.stopProfile(profile.toString());
                if (st == null || gen.lastStats().decodeMs() < st.decodeMs()) {
                    st = gen.lastStats();
                    out = o;
                }
            }
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("model", model.dir.toString());
            o.put("params", m.parameters().values().stream().mapToLong(p -> p.getShape().size()).sum());
            o.put("batch", batch);
            o.put("prompt", promptLen);
            o.put("new", newTokens);
            o.put("threads", Integer.getInteger("ai.djl.pytorch.num_threads", -1));
            o.put("fused_copy", fusedCopy);
            o.put("temperature", temperature);
            o.put("top_k", topK);
            o.put("top_p", topP);
            o.put("min_p", minP);
            o.put("prefill_ms", round(st.prefillMs()));
            o.put("prefill_tokens_per_s", round(batch * (double) promptLen / (st.prefillMs() / 1e3)));
            o.put("decode_ms", round(st.decodeMs()));
            o.put("decode_steps", st.decodeSteps());
            o.put("generated_tokens", out.stream().mapToLong(c -> c.tokenIds().length).sum());
            o.put("decode_tokens_per_s", round(st.decodeTokensPerSecond()));
            // per CPU second of the generating thread: comparable across minutes of a loaded machine (1 thread)
            o.put("prefill_cpu_tokens_per_s", round(batch * (double) promptLen / (st.prefillCpuMs() / 1e3)));
            o.put("decode_cpu_tokens_per_s", round(st.decodedTokens() / (st.decodeCpuMs() / 1e3)));
            o.put("matmul_fp32_gflops", round(gflops));
            spec.commandLine().getOut().println(o);
            spec.commandLine().getOut().flush();
        }
        return 0;
    }

    private SamplingParams params(int newTokens) {
        return temperature == 0 ? SamplingParams.greedy(newTokens)
                : new SamplingParams(temperature, topP, topK, minP, newTokens, List.of(), List.of());
    }

    private static List<GenerationRequest> requests(int vocab, int batch, int len, long seed, SamplingParams p) {
        SplittableRandom r = new SplittableRandom(seed);
        List<GenerationRequest> out = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            int[] ids = new int[len];
            for (int i = 0; i < len; i++) ids[i] = r.nextInt(vocab);
            out.add(new GenerationRequest(ids, p, b));
        }
        return out;
    }

    /** fp32 GFLOP/s of a 1024^3 matmul, best of several runs. */
    static double matmulGflops() {
        int n = 1024;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.randomNormal(new Shape(n, n));
            NDArray b = m.randomNormal(new Shape(n, n));
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 8; i++) {
                try (NDManager s = m.newSubManager()) {
                    long t = System.nanoTime();
                    NDArray c = a.matMul(b);
                    c.attach(s);
                    c.getFloat(0, 0); // forces completion
                    if (i >= 2) best = Math.min(best, (System.nanoTime() - t) / 1e9);
                }
            }
            return 2.0 * n * n * n / best / 1e9;
        }
    }

    private static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }
}
