package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import rsarl.rewards.puzzle.Puzzles;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern READY = Pattern.compile("rsa serve: listening on (http://127\\.0\\.0\\.1:(\\d+)/v1) \\(model ([^)]+)\\)");

    @TempDir
    static Path tmp;
    static Path model;

    @BeforeAll
    static void tinyModel() {
        Path tok = tmp.resolve("tok");
        assertEquals(0, Rsa.run("make-tokenizer", "--out", tok.toString(), "--vocab-size", "320"));
        model = tmp.resolve("tiny-served");
        assertEquals(0, Rsa.run("init-model", "--preset", "tiny", "--tokenizer", tok.resolve("tokenizer.json").toString(),
                "--out", model.toString(), "--seed", "5"));
    }

    /** {@code rsa serve} on its own thread; stopped by interrupting it, as SIGTERM's hook would. */
    private static final class Running implements AutoCloseable {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final AtomicInteger code = new AtomicInteger(-1);
        final Thread thread;
        final Matcher ready;

        Running(String... extra) throws InterruptedException {
            String[] args = new String[4 + extra.length];
            args[0] = "--model";
            args[1] = model.toString();
            args[2] = "--port";
            args[3] = "0";
            System.arraycopy(extra, 0, args, 4, extra.length);
            CommandLine cl = new CommandLine(new ServeCommand());
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            cl.setExecutionExceptionHandler(new OneLineErrors());
            thread = new Thread(() -> code.set(cl.execute(args)), "serve-under-test");
            thread.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            Matcher m = READY.matcher("");
            boolean found = false;
            while (!found && System.nanoTime() < deadline && thread.isAlive()) {
                m = READY.matcher(out.toString());
                found = m.find();
                if (!found) Thread.sleep(20);
            }
            assertTrue(found, "no ready line; out: " + out + " err: " + err);
            ready = m;
        }

        String baseUrl() {
            return ready.group(1);
        }

        @Override
        public void close() throws InterruptedException {
            thread.interrupt();
            thread.join(60_000);
            assertFalse(thread.isAlive(), "serve should stop when interrupted");
            assertEquals(0, code.get(), err.toString());
        }
    }

    private static HttpResponse<String> post(String url, String body) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesUntilStoppedAndPrintsOneReadyLine() throws Exception {
        String base;
        try (Running s = new Running("--max-batch", "4", "--batch-wait-ms", "2", "--prefill-chunk-tokens", "64")) {
            base = s.baseUrl();
            assertEquals("tiny-served", s.ready.group(3));
            assertEquals(1, s.out.toString().lines().count(), s.out.toString());
            HttpResponse<String> r = post(base + "/chat/completions",
                    "{\"model\":\"tiny-served\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":4,\"seed\":1}");
            assertEquals(200, r.statusCode(), r.body());
            JsonNode usage = JSON.readTree(r.body()).get("usage");
            assertTrue(usage.get("completion_tokens").asInt() >= 1 && usage.get("completion_tokens").asInt() <= 4);
        }
        String closed = base;
        Exception refused = null;
        try {
            post(closed + "/chat/completions", "{}");
        } catch (java.io.IOException e) {
            refused = e;
        }
        assertTrue(refused != null, "the port is closed after shutdown");
    }

    /** {@code rsa serve ARGS}'s exit code and its error output (one line per error, as the CLI prints them). */
    private static String[] serveErrors(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new ServeCommand());
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler(new OneLineErrors());
        return new String[] {Integer.toString(cl.execute(args)), err.toString()};
    }

    @Test
    void badModelFolderFailsWithOneLine() {
        String missing = tmp.resolve("missing").toString();
        String[] r = serveErrors("--model", missing, "--port", "0");
        assertEquals("1", r[0]);
        assertTrue(r[1].contains("--model") && r[1].contains("missing"), r[1]);
        assertEquals(1, r[1].strip().lines().count(), r[1]);
        assertEquals(0, Rsa.run("serve", "--help"));
        r = serveErrors("--model", missing, "--prefill-chunk-tokens", "0");
        assertEquals("1", r[0]);
        assertTrue(r[1].contains("--prefill-chunk-tokens must be >= 1"), r[1]);
        r = serveErrors("--model", missing, "--stream-interval", "0");
        assertEquals("1", r[0]);
        assertTrue(r[1].contains("--stream-interval must be >= 1"), r[1]);
    }

    @Test
    void evalWithTheOpenAiBackendAgainstServe() throws Exception {
        String family = Puzzles.families().get(0);
        Path data = tmp.resolve("puzzles.jsonl");
        assertEquals(0, Rsa.run("make-dataset", "--task", "puzzle:" + family, "--n", "3", "--seed", "4",
                "--out", data.toString()));
        assertEquals(3, Files.readAllLines(data).size());
        Path out = tmp.resolve("eval-out");
        try (Running s = new Running("--max-batch", "8")) {
            Path yaml = tmp.resolve("eval.yaml");
            Files.writeString(yaml, """
                    backend: {type: openai, base_url: "%s", model: tiny-served, max_concurrency: 8, max_retries: 0}
                    data: {path: "%s", task: "puzzle:%s"}
                    rsa: {population: 2, k: 2, steps: 2}
                    sampling: {temperature: 1.0, max_tokens: 12}
                    seeds: [1, 2]
                    output_dir: "%s"
                    """.formatted(s.baseUrl(), data, family, out));
            java.io.PrintStream oldErr = System.err;
            java.io.ByteArrayOutputStream evalErr = new java.io.ByteArrayOutputStream();
            int code;
            try {
                System.setErr(new java.io.PrintStream(evalErr, true, java.nio.charset.StandardCharsets.UTF_8));
                code = Rsa.run("eval", "--config", yaml.toString(), "--no-progress");
            } finally {
                System.setErr(oldErr);
            }
            assertEquals(0, code, evalErr.toString());
        }
        // seeds x steps metric lines; seeds x problems x population x steps generations.
        assertEquals(2 * 2, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        var generations = Files.readAllLines(out.resolve("generations.jsonl"));
        assertEquals(2 * 3 * 2 * 2, generations.size());
        for (String line : generations) {
            JsonNode g = JSON.readTree(line);
            int tokens = g.get("completion_tokens").asInt();
            assertTrue(tokens >= 1 && tokens <= 12, line);
            assertEquals(tokens == 12 ? g.get("finish_reason").asText() : "stop", g.get("finish_reason").asText(), line);
            assertTrue(g.get("prompt_tokens").asInt() > 10, line);
        }
        assertTrue(Files.exists(out.resolve("summary.json")));
        assertTrue(Files.exists(out.resolve("accuracy.png")));
    }

    @Test
    void loraModulesServeAdapterFoldersByNameAndAnAdapterFolderServesAsAModel() throws Exception {
        Path adapter = tmp.resolve("adapter");
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            java.util.Map<String, ai.djl.ndarray.NDArray> t = new java.util.LinkedHashMap<>();
            t.put("model.layers.0.self_attn.q_proj.lora_A.weight", m.randomNormal(new ai.djl.ndarray.types.Shape(2, 64)));
            t.put("model.layers.0.self_attn.q_proj.lora_B.weight", m.randomNormal(new ai.djl.ndarray.types.Shape(64, 2)));
            new rsarl.model.peft.PeftAdapter(2, 4, false, java.util.List.of("q_proj"), model.toString(), t).write(adapter);
        }
        String body = "{\"model\":\"%s\",\"prompt\":[5,6,7],\"max_tokens\":5,\"seed\":3,\"return_token_ids\":true}";
        String viaName;
        try (Running s = new Running("--lora-modules", "mine=" + adapter)) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String models = http.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/models")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(models.contains("\"mine\""), models);
            HttpResponse<String> r = post(s.baseUrl() + "/completions", String.format(body, "mine"));
            assertEquals(200, r.statusCode(), r.body());
            viaName = JSON.readTree(r.body()).get("choices").get(0).get("token_ids").toString();
        }
        // The adapter folder as --model: its base (base_model_name_or_path) with the adapter merged.
        String[] args = {"--model", adapter.toString(), "--port", "0"};
        CommandLine cl = new CommandLine(new ServeCommand());
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        Thread th = new Thread(() -> cl.execute(args), "serve-adapter");
        th.start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            Matcher m = READY.matcher("");
            while (!(m = READY.matcher(out.toString())).find() && System.nanoTime() < deadline) Thread.sleep(20);
            HttpResponse<String> r = post(m.group(1) + "/completions", String.format(body, "adapter"));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(viaName, JSON.readTree(r.body()).get("choices").get(0).get("token_ids").toString());
        } finally {
            th.interrupt();
            th.join(60_000);
        }
        StringWriter err = new StringWriter();
        CommandLine bad = new CommandLine(new ServeCommand());
        bad.setErr(new PrintWriter(err, true));
        bad.setExecutionExceptionHandler(new OneLineErrors());
        assertEquals(1, bad.execute("--model", model.toString(), "--port", "0", "--lora-modules", "x=" + tmp.resolve("nope")));
        assertTrue(err.toString().contains("--lora-modules") && err.toString().contains("nope"), err.toString());
    }
}
