package rsarl.rollout.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import rsarl.model.ChatMessage;
import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.model.SamplingParams;
import rsarl.rollout.backend.LocalEngine;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code rsa serve} under load: for each number of requests in flight, closed-loop clients send streamed chat
 * requests of mixed prompt and reply lengths until all are answered; reports completion tokens/s, time to first
 * token and latency (p50/p99), beside the same requests generated directly as one offline batch.
 * Usage: {@code ServeLoadBenchmark MODEL_DIR [--requests R] [--in-flight 1,8,64] [--max-tokens M] [--max-batch B]
 * [--batch-wait-ms W] [--fill-wait-ms F] [--prefill-chunk-tokens C] [--device D]}. Prints a table and one JSON line per level.
 */
public final class ServeLoadBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServeLoadBenchmark() {
    }

    private record Sample(double ttftMs, double latencyMs, long tokens) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args[0].startsWith("--")) {
            throw new IllegalArgumentException("usage: ServeLoadBenchmark MODEL_DIR [--requests R] [--in-flight 1,8,64] "
                    + "[--max-tokens M] [--max-batch B] [--batch-wait-ms W] [--fill-wait-ms F] [--prefill-chunk-tokens C] [--device D]");
        }
        Path dir = Path.of(args[0]);
        int requests = 64;
        int[] levels = {1, 8, 64};
        int maxTokens = 64;
        int maxBatch = 64;
        int waitMs = 5;
        int fillWaitMs = 50;
        String device = "cpu";
        int prefillChunk = 0; // 0: the server's default
        for (int i = 1; i < args.length; i += 2) {
            if (i + 1 >= args.length) throw new IllegalArgumentException(args[i] + ": missing value");
            String v = args[i + 1];
            switch (args[i]) {
                case "--requests" -> requests = ServeBenchmark.positive(args[i], v);
                case "--in-flight" -> levels = Arrays.stream(v.split(",")).mapToInt(s -> ServeBenchmark.positive("--in-flight", s.trim()))
                        .toArray();
                case "--max-tokens" -> maxTokens = ServeBenchmark.positive(args[i], v);
                case "--max-batch" -> maxBatch = ServeBenchmark.positive(args[i], v);
                case "--batch-wait-ms" -> waitMs = Integer.parseInt(v);
                case "--fill-wait-ms" -> fillWaitMs = Integer.parseInt(v);
                case "--prefill-chunk-tokens" -> prefillChunk = ServeBenchmark.positive(args[i], v);
                case "--device" -> device = v;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        try (LocalEngine engine = LocalEngine.load(dir, device)) {
            // mixed lengths: prompts of 1-4 sentences, replies capped between maxTokens/4 and maxTokens
            List<String> bodies = new ArrayList<>();
            List<GenerationRequest> rows = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                String q = ("Question " + i + ": what is " + (i * 37 % 101) + " plus " + (i * 11 % 53) + "? ").repeat(1 + i % 4);
                int max = Math.max(1, maxTokens / 4 + (i * 7919) % Math.max(1, maxTokens - maxTokens / 4 + 1));
                ObjectNode b = JSON.createObjectNode().put("max_tokens", max).put("seed", 1000 + i).put("stream", true);
                b.putArray("messages").addObject().put("role", "user").put("content", q);
                b.putObject("stream_options").put("include_usage", true);
                bodies.add(JSON.writeValueAsString(b));
                rows.add(engine.request(engine.chatPrompt(List.of(new ChatMessage("user", q))),
                        new SamplingParams(1.0, 1.0, 0, 0, max, List.of(), List.of()), 1000 + i));
            }
            engine.generator(maxBatch).generate(rows.subList(0, Math.min(4, rows.size()))); // warm-up
            long t0 = System.nanoTime();
            List<Completion> offline = engine.generator(maxBatch).generate(rows);
            double offlineS = (System.nanoTime() - t0) / 1e9;
            long offlineTokens = offline.stream().mapToLong(c -> c.tokenIds().length).sum();
            double offlineTps = offlineTokens / offlineS;
            System.out.printf("offline batch: %d requests, %d tokens in %.2f s = %.1f tokens/s%n", requests,
                    offlineTokens, offlineS, offlineTps);
            System.out.println("in_flight\ttokens_per_s\tvs_offline\tttft_p50_ms\tttft_p99_ms\tlatency_p50_ms\tlatency_p99_ms\tlargest_batch");
            for (int level : levels) {
                ServeOptions options = ServeOptions.defaults(engine.name(), 0).withMaxBatch(maxBatch)
                        .withWaits(Duration.ofMillis(waitMs), Duration.ofMillis(fillWaitMs));
                if (prefillChunk > 0) options = options.withPrefillChunkTokens(prefillChunk);
                try (OpenAiServer server = OpenAiServer.start(engine, options)) {
                    long s0 = System.nanoTime();
                    List<Sample> samples = load(server, bodies, level);
                    double wall = (System.nanoTime() - s0) / 1e9;
                    long tokens = samples.stream().mapToLong(Sample::tokens).sum();
                    double tps = tokens / wall;
                    double[] ttft = samples.stream().mapToDouble(Sample::ttftMs).sorted().toArray();
                    double[] lat = samples.stream().mapToDouble(Sample::latencyMs).sorted().toArray();
                    System.out.printf("%d\t%.1f\t%.2f\t%.0f\t%.0f\t%.0f\t%.0f\t%d%n", level, tps, tps / offlineTps,
                            pct(ttft, 50), pct(ttft, 99), pct(lat, 50), pct(lat, 99), server.scheduler().stats().largestBatch());
                    ObjectNode o = JSON.createObjectNode().put("in_flight", level).put("requests", requests)
                            .put("tokens_per_s", round(tps)).put("offline_tokens_per_s", round(offlineTps))
                            .put("vs_offline", round(tps / offlineTps)).put("ttft_p50_ms", round(pct(ttft, 50)))
                            .put("ttft_p99_ms", round(pct(ttft, 99))).put("latency_p50_ms", round(pct(lat, 50)))
                            .put("latency_p99_ms", round(pct(lat, 99)))
                            .put("largest_batch", server.scheduler().stats().largestBatch());
                    System.out.println(o);
                }
            }
        }
    }

    /** {@code inFlight} closed-loop clients share the requests; each sample is one streamed request. */
    private static List<Sample> load(OpenAiServer server, List<String> bodies, int inFlight) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create(server.baseUrl() + "/chat/completions");
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(inFlight);
        try {
            List<Future<List<Sample>>> parts = new ArrayList<>();
            for (int c = 0; c < inFlight; c++) {
                parts.add(pool.submit(() -> {
                    List<Sample> mine = new ArrayList<>();
                    for (int i = next.getAndIncrement(); i < bodies.size(); i = next.getAndIncrement()) {
                        mine.add(one(http, uri, bodies.get(i)));
                    }
                    return mine;
                }));
            }
            List<Sample> all = new ArrayList<>();
            for (Future<List<Sample>> f : parts) all.addAll(f.get());
            return all;
        } finally {
            pool.shutdown();
        }
    }

    private static Sample one(HttpClient http, URI uri, String body) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<java.util.stream.Stream<String>> r = http.send(HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofLines());
        if (r.statusCode() != 200) throw new IllegalStateException("HTTP " + r.statusCode());
        double[] ttft = {-1};
        long[] tokens = {0};
        r.body().forEach(line -> {
            if (!line.startsWith("data: {")) return;
            try {
                JsonNode c = JSON.readTree(line.substring(6));
                JsonNode choices = c.get("choices");
                if (ttft[0] < 0 && choices.size() > 0 && choices.get(0).path("delta").has("content")
                        && choices.get(0).get("finish_reason").isNull()
                        && !choices.get(0).get("delta").has("role")) {
                    ttft[0] = (System.nanoTime() - t0) / 1e6;
                }
                if (c.hasNonNull("usage")) tokens[0] = c.get("usage").get("completion_tokens").asLong();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        });
        double latency = (System.nanoTime() - t0) / 1e6;
        return new Sample(ttft[0] < 0 ? latency : ttft[0], latency, tokens[0]);
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
