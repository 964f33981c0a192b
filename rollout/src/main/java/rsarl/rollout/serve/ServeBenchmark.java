package rsarl.rollout.serve;

import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.model.SamplingParams;
import rsarl.rollout.backend.BackendResult;
import rsarl.rollout.backend.ChatRequest;
import rsarl.rollout.backend.LocalEngine;
import rsarl.rollout.backend.OpenAiBackend;
import rsarl.rollout.backend.TextCompletion;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Throughput of the OpenAI-compatible server (HTTP, JSON, batching scheduler; driven by {@link OpenAiBackend}
 * with bounded concurrency) against calling the Generator directly on the same requests.
 * Usage: {@code ServeBenchmark MODEL_DIR [--requests R] [--concurrency C] [--max-tokens M] [--max-batch B]
 * [--batch-wait-ms W] [--fill-wait-ms F] [--repeat K] [--device D]}. Prints a table and one JSON line.
 */
public final class ServeBenchmark {
    private ServeBenchmark() {
    }

    private record Run(double seconds, long completionTokens, List<String> texts) {
        double requestsPerS(int n) {
            return n / seconds;
        }

        double tokensPerS() {
            return completionTokens / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        if (args.length < 1 || args[0].startsWith("--")) {
            throw new IllegalArgumentException("usage: ServeBenchmark MODEL_DIR [--requests R] [--concurrency C] "
                    + "[--max-tokens M] [--max-batch B] [--batch-wait-ms W] [--fill-wait-ms F] [--repeat K] [--device D]");
        }
        Path dir = Path.of(args[0]);
        int requests = 64;
        int concurrency = 16;
        int maxTokens = 64;
        int maxBatch = 32;
        int waitMs = 5;
        int fillWaitMs = 250;
        int repeat = 3;
        String device = "cpu";
        for (int i = 1; i < args.length; i += 2) {
            if (i + 1 >= args.length) throw new IllegalArgumentException(args[i] + ": missing value");
            String v = args[i + 1];
            switch (args[i]) {
                case "--requests" -> requests = positive(args[i], v);
                case "--concurrency" -> concurrency = positive(args[i], v);
                case "--max-tokens" -> maxTokens = positive(args[i], v);
                case "--max-batch" -> maxBatch = positive(args[i], v);
                case "--batch-wait-ms" -> waitMs = Integer.parseInt(v);
                case "--fill-wait-ms" -> fillWaitMs = Integer.parseInt(v);
                case "--device" -> device = v;
                case "--repeat" -> repeat = positive(args[i], v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        try (LocalEngine engine = LocalEngine.load(dir, device)) {
            List<ChatRequest> chats = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                chats.add(ChatRequest.user("Question " + i + ": what is " + (i * 37 % 101) + " plus " + (i * 11 % 53) + "?",
                        new SamplingParams(1.0, 1.0, 0, 0, maxTokens, List.of(), List.of()), 1000 + i));
            }
            // Warm-up: JIT and torch kernels, so no measured run pays for them.
            direct(engine, chats.subList(0, Math.min(4, requests)), maxBatch);
            Run direct = null;
            Run served = null;
            long batches;
            long rows;
            double busy;
            ServeOptions options = ServeOptions.defaults(engine.name(), 0).withMaxBatch(maxBatch)
                    .withWaits(Duration.ofMillis(waitMs), Duration.ofMillis(fillWaitMs));
            try (OpenAiServer server = OpenAiServer.start(engine, options);
                 OpenAiBackend client = new OpenAiBackend(new OpenAiBackend.Options(server.baseUrl(), engine.name(), null,
                         concurrency, Duration.ofMinutes(30), 0, Duration.ofSeconds(1)))) {
                client.generate(chats.subList(0, Math.min(concurrency, requests)));
                long b0 = server.scheduler().stats().batches();
                long r0 = server.scheduler().stats().rows();
                long busy0 = server.scheduler().stats().busyNanos();
                // Alternating repeats, best of each: on a shared machine the fastest run is the least disturbed.
                for (int rep = 0; rep < repeat; rep++) {
                    Run d = direct(engine, chats, maxBatch);
                    Run v = served(client, chats);
                    if (direct == null || d.seconds() < direct.seconds()) direct = d;
                    if (served == null || v.seconds() < served.seconds()) served = v;
                }
                batches = (server.scheduler().stats().batches() - b0) / repeat;
                rows = (server.scheduler().stats().rows() - r0) / repeat;
                busy = (server.scheduler().stats().busyNanos() - busy0) / 1e9 / repeat;
                System.out.println("server batch sizes (warm-up and runs): " + server.scheduler().stats().recentBatchSizes());
            }
            boolean same = direct.texts().equals(served.texts());
            System.out.printf(Locale.ROOT, "model %s (%s), %d requests, max_tokens %d, max batch %d, concurrency %d, "
                    + "best of %d%n", engine.name(), device, requests, maxTokens, maxBatch, concurrency, repeat);
            System.out.printf(Locale.ROOT, "%-10s %8s %10s %8s %10s%n", "path", "seconds", "tokens", "req/s", "tokens/s");
            System.out.printf(Locale.ROOT, "%-10s %8.2f %10d %8.2f %10.1f%n", "generator", direct.seconds(),
                    direct.completionTokens(), direct.requestsPerS(requests), direct.tokensPerS());
            System.out.printf(Locale.ROOT, "%-10s %8.2f %10d %8.2f %10.1f%n", "server", served.seconds(),
                    served.completionTokens(), served.requestsPerS(requests), served.tokensPerS());
            System.out.printf(Locale.ROOT, "server batches per run %d (mean %.1f rows), %.2f s per run inside generate; "
                    + "same texts as the generator: %s%n", batches, batches == 0 ? 0.0 : (double) rows / batches, busy, same);
            System.out.printf(Locale.ROOT, "{\"repeat\":%d,\"requests\":%d,\"concurrency\":%d,\"max_tokens\":%d,\"max_batch\":%d,"
                            + "\"generator_s\":%.3f,\"generator_tokens_per_s\":%.1f,\"generator_requests_per_s\":%.2f,"
                            + "\"server_s\":%.3f,\"server_tokens_per_s\":%.1f,\"server_requests_per_s\":%.2f,"
                            + "\"server_batches\":%d,\"server_mean_batch\":%.2f,\"server_generate_s\":%.3f,\"same_texts\":%s}%n",
                    repeat, requests, concurrency, maxTokens, maxBatch, direct.seconds(), direct.tokensPerS(),
                    direct.requestsPerS(requests), served.seconds(), served.tokensPerS(), served.requestsPerS(requests),
                    batches, batches == 0 ? 0.0 : (double) rows / batches, busy, same);
        }
    }

    private static Run served(OpenAiBackend client, List<ChatRequest> chats) {
        long t0 = System.nanoTime();
        List<BackendResult> results = client.generate(chats);
        double s = (System.nanoTime() - t0) / 1e9;
        long tokens = 0;
        List<String> texts = new ArrayList<>();
        for (BackendResult r : results) {
            tokens += r.completionTokens();
            texts.add(r.text());
        }
        return new Run(s, tokens, texts);
    }

    /** All requests through the Generator in batches of {@code maxBatch}, as LocalBackend would run them. */
    private static Run direct(LocalEngine engine, List<ChatRequest> chats, int maxBatch) {
        List<GenerationRequest> rows = new ArrayList<>();
        for (ChatRequest c : chats) rows.add(engine.request(engine.chatPrompt(c.messages()), c.params(), c.seed()));
        long t0 = System.nanoTime();
        List<Completion> out = engine.generator(maxBatch).generate(rows);
        double s = (System.nanoTime() - t0) / 1e9;
        long tokens = 0;
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            TextCompletion t = engine.text(rows.get(i), out.get(i));
            tokens += t.completionTokens();
            texts.add(t.text());
        }
        return new Run(s, tokens, texts);
    }

    static int positive(String option, String value) {
        int v;
        try {
            v = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": not an integer: '" + value + "'");
        }
        if (v < 1) throw new IllegalArgumentException(option + ": must be >= 1, got " + v);
        return v;
    }
}
