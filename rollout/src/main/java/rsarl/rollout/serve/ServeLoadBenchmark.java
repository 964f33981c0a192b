package rsarl.rollout.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import rsarl.model.ChatMessage;
import rsarl.model.GenerationRequest;
import rsarl.model.Generator;
import rsarl.model.SamplingParams;
import rsarl.rollout.backend.LocalEngine;
import rsarl.rollout.serve.LoadClient.Sample;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code rsa serve} under load: for each number of requests in flight, closed-loop clients send streamed chat
 * requests of mixed prompt and reply lengths until all are answered; reports completion tokens/s, time to first
 * token and latency (p50/p99), beside the same requests generated directly as one offline batch.
 * Options: see {@link #USAGE}; {@code --rounds N} alternates the offline batch and the levels N times and reports each
 * side's best, {@code --warmup W} rounds of 32 requests warm the serving path first, {@code --no-stream} sends plain
 * JSON requests. Prints a table and one JSON line per level (per-round details on stderr).
 */
public final class ServeLoadBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServeLoadBenchmark() {
    }

    /** One level's run: completion tokens/s, its samples and what the scheduler did. */
    private record Run(double tokensPerS, List<Sample> samples, BatchStats stats, double cores) {
    }

    private static final String USAGE = "usage: ServeLoadBenchmark MODEL_DIR [--requests R] [--in-flight 1,8,64] "
            + "[--max-tokens M] [--max-batch B] [--batch-wait-ms W] [--fill-wait-ms F] [--prefill-chunk-tokens C] "
            + "[--stream-interval S] [--rounds N] [--warmup W] [--no-stream] [--device D]";

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args[0].startsWith("--")) throw new IllegalArgumentException(USAGE);
        Path dir = Path.of(args[0]);
        int requests = 64;
        int[] levels = {1, 8, 64};
        int maxTokens = 64;
        int maxBatch = 64;
        int waitMs = 5;
        int fillWaitMs = 50;
        String device = "cpu";
        int prefillChunk = 0; // 0: the server's default
        int streamInterval = 1;
        int rounds = 1;
        int warmup = 10;
        boolean stream = true;
        for (int i = 1; i < args.length; i += 2) {
            if (args[i].equals("--no-stream")) {
                stream = false;
                i--;
                continue;
            }
            if (i + 1 >= args.length) throw new IllegalArgumentException(args[i] + ": missing value");
            String v = args[i + 1];
            switch (args[i]) {
                case "--requests" -> requests = ServeBenchmark.positive(args[i], v);
                case "--in-flight" -> levels = Arrays.stream(v.split(","))
                        .mapToInt(s -> ServeBenchmark.positive("--in-flight", s.trim())).toArray();
                case "--max-tokens" -> maxTokens = ServeBenchmark.positive(args[i], v);
                case "--max-batch" -> maxBatch = ServeBenchmark.positive(args[i], v);
                case "--batch-wait-ms" -> waitMs = Integer.parseInt(v);
                case "--fill-wait-ms" -> fillWaitMs = Integer.parseInt(v);
                case "--prefill-chunk-tokens" -> prefillChunk = ServeBenchmark.positive(args[i], v);
                case "--rounds" -> rounds = ServeBenchmark.positive(args[i], v);
                case "--stream-interval" -> streamInterval = ServeBenchmark.positive(args[i], v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--device" -> device = v;
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "\n" + USAGE);
            }
        }
        try (LocalEngine engine = LocalEngine.load(dir, device)) {
            // mixed lengths: prompts of 1-4 sentences, replies capped between maxTokens/4 and maxTokens
            List<String> bodies = new ArrayList<>();
            List<GenerationRequest> rows = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                String q = ("Question " + i + ": what is " + (i * 37 % 101) + " plus " + (i * 11 % 53) + "? ").repeat(1 + i % 4);
                int max = Math.max(1, maxTokens / 4 + (i * 7919) % Math.max(1, maxTokens - maxTokens / 4 + 1));
                ObjectNode b = JSON.createObjectNode().put("max_tokens", max).put("seed", 1000 + i).put("stream", stream);
                b.putArray("messages").addObject().put("role", "user").put("content", q);
                if (stream) b.putObject("stream_options").put("include_usage", true);
                bodies.add(JSON.writeValueAsString(b));
                rows.add(engine.request(engine.chatPrompt(List.of(new ChatMessage("user", q))),
                        new SamplingParams(1.0, 1.0, 0, 0, max, List.of(), List.of()), 1000 + i));
            }
            Generator offline = engine.generator(maxBatch);
            offline.generate(rows.subList(0, Math.min(4, rows.size())));
            // The serving path (HTTP, JSON, SSE) is compiled by the JIT as it runs, as a long-running server's is.
            try (OpenAiServer server = OpenAiServer.start(engine, ServeOptions.defaults(engine.name(), 0)
                    .withMaxBatch(maxBatch))) {
                for (int i = 0; i < warmup; i++) load(server, bodies.subList(0, Math.min(32, bodies.size())), 32);
            }
            // Rounds alternate the offline batch and every level; each side's best round is reported (a noisy
            // machine's slow rounds then do not decide the ratio).
            ServeOptions options = ServeOptions.defaults(engine.name(), 0).withMaxBatch(maxBatch)
                    .withWaits(Duration.ofMillis(waitMs), Duration.ofMillis(fillWaitMs))
                    .withStreamInterval(streamInterval);
            if (prefillChunk > 0) options = options.withPrefillChunkTokens(prefillChunk);
            double offlineBest = 0;
            Run[] best = new Run[levels.length];
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                long tokens = offline.generate(rows).stream().mapToLong(c -> c.tokenIds().length).sum();
                double tps = tokens / ((System.nanoTime() - t0) / 1e9);
                Generator.Stats os = offline.lastStats();
                System.err.printf("round %d: offline %.1f tokens/s (prefill %.0f ms, %d decode steps, %.1f ms/step)%n",
                        r + 1, tps, os.prefillMs(), os.decodeSteps(), os.decodeMs() / Math.max(1, os.decodeSteps()));
                offlineBest = Math.max(offlineBest, tps);
                for (int l = 0; l < levels.length; l++) {
                    Run run = level(engine, options, bodies, levels[l]);
                    BatchStats st = run.stats();
                    System.err.printf("round %d: %d in flight %.1f tokens/s (prefill %.0f ms, %d decode steps of %.1f "
                                    + "rows, %.1f ms/step, %.2f cores busy)%n", r + 1, levels[l], run.tokensPerS(),
                            st.prefillNanos() / 1e6, st.steps(), st.rowSteps() / (double) Math.max(1, st.steps()),
                            st.decodeNanos() / 1e6 / Math.max(1, st.steps()), run.cores());
                    if (best[l] == null || run.tokensPerS() > best[l].tokensPerS()) best[l] = run;
                }
            }
            System.out.printf("offline batch: %d requests, best of %d rounds %.1f tokens/s%n", requests, rounds,
                    offlineBest);
            System.out.println("in_flight\ttokens_per_s\tvs_offline\tttft_p50_ms\tttft_p99_ms\tlatency_p50_ms\t"
                    + "latency_p99_ms\tlargest_batch");
            for (int l = 0; l < levels.length; l++) {
                Run run = best[l];
                double[] ttft = run.samples().stream().mapToDouble(Sample::ttftMs).sorted().toArray();
                double[] lat = run.samples().stream().mapToDouble(Sample::latencyMs).sorted().toArray();
                double tps = run.tokensPerS();
                System.out.printf("%d\t%.1f\t%.2f\t%.0f\t%.0f\t%.0f\t%.0f\t%d%n", levels[l], tps, tps / offlineBest,
                        pct(ttft, 50), pct(ttft, 99), pct(lat, 50), pct(lat, 99), run.stats().largestBatch());
                ObjectNode o = JSON.createObjectNode().put("in_flight", levels[l]).put("requests", requests)
                        .put("rounds", rounds).put("tokens_per_s", round(tps))
                        .put("offline_tokens_per_s", round(offlineBest)).put("vs_offline", round(tps / offlineBest))
                        .put("ttft_p50_ms", round(pct(ttft, 50))).put("ttft_p99_ms", round(pct(ttft, 99)))
                        .put("latency_p50_ms", round(pct(lat, 50))).put("latency_p99_ms", round(pct(lat, 99)))
                        .put("largest_batch", run.stats().largestBatch()).put("decode_steps", run.stats().steps())
                        .put("prefill_ms", round(run.stats().prefillNanos() / 1e6))
                        .put("decode_ms", round(run.stats().decodeNanos() / 1e6));
                System.out.println(o);
            }
        }
    }

    /** A fresh server at {@code options} under {@code inFlight} closed-loop clients sending every body once. */
    private static Run level(LocalEngine engine, ServeOptions options, List<String> bodies, int inFlight)
            throws Exception {
        try (OpenAiServer server = OpenAiServer.start(engine, options)) {
            com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long c0 = os.getProcessCpuTime();
            long s0 = System.nanoTime();
            List<Sample> samples = load(server, bodies, inFlight);
            double wall = (System.nanoTime() - s0) / 1e9;
            double cores = (os.getProcessCpuTime() - c0) / 1e9 / wall;
            long tokens = samples.stream().mapToLong(Sample::tokens).sum();
            return new Run(tokens / wall, samples, server.scheduler().stats(), cores);
        }
    }

    /** {@code inFlight} closed-loop clients share the requests (one streamed or plain request each). */
    private static List<Sample> load(OpenAiServer server, List<String> bodies, int inFlight) throws IOException {
        URI base = URI.create(server.baseUrl());
        return LoadClient.run(base.getHost(), server.port(), base.getPath() + "/chat/completions", bodies, inFlight);
    }

    private static double pct(double[] sorted, double p) {
        if (sorted.length == 0) return 0;
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }
}
