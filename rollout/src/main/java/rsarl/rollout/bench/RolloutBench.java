package rsarl.rollout.bench;

import rsarl.model.SamplingParams;
import rsarl.rewards.Grade;
import rsarl.rewards.Problem;
import rsarl.rewards.Verifier;
import rsarl.rollout.backend.OpenAiBackend;
import rsarl.rollout.rsa.GenerationLog;
import rsarl.rollout.rsa.RsaLoop;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Orchestration overhead of the RSA loop against a loopback server that answers at once: the full
 * eval path (prompt building, subset draws, request JSON, HTTP, reply parsing, grading, the
 * generations log) versus replaying the very same request bodies as raw HTTP with the same
 * concurrency. Usage: {@code RolloutBench [problems N K T concurrency responseChars]}.
 */
public final class RolloutBench {

    public static void main(String[] args) throws Exception {
        // Each run's client leaves up to `concurrency` keep-alive connections open; the JDK server's
        // default cap on idle connections would otherwise close new ones under the next client.
        System.setProperty("sun.net.httpserver.maxIdleConnections", "10000");
        int code = 0;
        try {
            bench(args);
        } catch (Exception e) {
            e.printStackTrace();
            code = 1;
        }
        System.exit(code); // the server's and clients' threads must not keep the JVM alive
    }

    private static void bench(String[] args) throws Exception {
        int problems = arg(args, 0, 50);
        int n = arg(args, 1, 16);
        int k = arg(args, 2, 4);
        int t = arg(args, 3, 10);
        int concurrency = arg(args, 4, 64);
        int responseChars = arg(args, 5, 1000);
        int requests = problems * n * t;
        System.out.printf(Locale.ROOT, "rollout bench: %d problems, N=%d K=%d T=%d (%d requests), concurrency %d, "
                + "replies of %d chars, %d cpus%n", problems, n, k, t, requests, concurrency, responseChars,
                Runtime.getRuntime().availableProcessors());
        List<Problem> set = new ArrayList<>();
        for (int i = 0; i < problems; i++) {
            set.add(Problem.of("p" + i, "Problem " + i + ": compute the value. Put your final answer within \\boxed{}.",
                    "1", "math"));
        }
        try (LoopbackServer server = new LoopbackServer(Math.max(8, concurrency), responseChars)) {
            rsa(server, set, n, k, t, concurrency, 1); // warm-up (JIT, connections)
            server.record(true);
            double rsaSeconds = rsa(server, set, n, k, t, concurrency, 2);
            server.record(false);
            List<byte[]> bodies = new ArrayList<>(server.recorded());
            raw(server, bodies, concurrency); // warm-up
            double rawSeconds = raw(server, bodies, concurrency);
            double rsaRate = requests / rsaSeconds;
            double rawRate = bodies.size() / rawSeconds;
            long bytes = bodies.stream().mapToLong(b -> b.length).sum();
            System.out.printf(Locale.ROOT, "raw HTTP replay : %8.0f requests/s (%d requests, mean body %d bytes)%n",
                    rawRate, bodies.size(), bytes / Math.max(1, bodies.size()));
            System.out.printf(Locale.ROOT, "RSA eval path   : %8.0f requests/s (%d HTTP attempts for %d requests)%n",
                    rsaRate, ATTEMPTS.get(), 2L * requests);
            System.out.printf(Locale.ROOT, "raw retries     : %d%n", RAW_RETRIES.get());
            System.out.printf(Locale.ROOT, "overhead        : %+8.1f %% time per request over raw HTTP (%.3f ms per request)%n",
                    (rawRate / rsaRate - 1) * 100, (rsaSeconds - rawSeconds) * 1000 / requests);
        }
    }

    private static double rsa(LoopbackServer server, List<Problem> problems, int n, int k, int t, int concurrency,
                              long seed) throws IOException {
        Path dir = Files.createTempDirectory("rollout-bench");
        Path file = dir.resolve("generations.jsonl");
        OpenAiBackend.Options options = new OpenAiBackend.Options(server.baseUrl(), "bench", null, concurrency,
                Duration.ofSeconds(60), 2, Duration.ofMillis(1));
        long start = System.nanoTime();
        try (OpenAiBackend backend = new OpenAiBackend(options); GenerationLog log = GenerationLog.open(file)) {
            new RsaLoop(backend, task -> BOXED, new RsaLoop.Settings(n, k, t, SamplingParams.of(1.0, 1.0, 512)))
                    .run(problems, seed, log, RsaLoop.Listener.NONE);
            ATTEMPTS.addAndGet(backend.attempts());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Files.deleteIfExists(file);
        Files.deleteIfExists(dir);
        return seconds;
    }

    private static double raw(LoopbackServer server, List<byte[]> bodies, int concurrency) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create(server.baseUrl() + "/chat/completions");
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            workers.add(pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < bodies.size(); i = next.getAndIncrement()) {
                    HttpRequest req = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(i))).build();
                    send(client, req);
                }
                return null;
            }));
        }
        for (Future<?> f : workers) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdownNow();
        return seconds;
    }

    /** Like the backend, a raw client must retry a request whose keep-alive connection the server closed. */
    private static void send(HttpClient client, HttpRequest req) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("HTTP " + r.statusCode());
                }
                return;
            } catch (IOException e) {
                RAW_RETRIES.incrementAndGet();
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    private static final AtomicInteger ATTEMPTS = new AtomicInteger();
    private static final AtomicInteger RAW_RETRIES = new AtomicInteger();

    private static int arg(String[] args, int i, int fallback) {
        return args.length > i ? Integer.parseInt(args[i]) : fallback;
    }

    /** A verifier as cheap as a real math one is on short answers: last \boxed{...}, string equality. */
    private static final Verifier BOXED = new Verifier() {
        @Override
        public String extract(String response, Problem problem) {
            int at = response.lastIndexOf("\\boxed{");
            int end = at < 0 ? -1 : response.indexOf('}', at);
            return end < 0 ? null : response.substring(at + 7, end);
        }

        @Override
        public Grade grade(String response, Problem problem) {
            String x = extract(response, problem);
            return new Grade(problem.answer().equals(x) ? 1 : 0, x, "");
        }

        @Override
        public boolean equivalent(String a, String b, Problem problem) {
            return a.equals(b);
        }
    };
}
