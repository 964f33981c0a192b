package rsarl.rollout.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.rollout.BoxedVerifier;
import rsarl.rollout.FakeBackend;
import rsarl.rollout.TestProblems;
import rsarl.rollout.backend.BackendException;
import rsarl.rollout.backend.BackendFactory;
import rsarl.rollout.backend.ChatRequest;
import rsarl.rollout.backend.FakeOpenAiServer;
import rsarl.rollout.config.EvalConfig;
import rsarl.rollout.rsa.RsaLoop;
import rsarl.rollout.rsa.StateMetrics;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvalRunTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private EvalConfig config(Path out, String... overrides) throws IOException {
        Path data = TestProblems.fixture("problems/mini-math.jsonl", dir);
        Path yaml = dir.resolve("eval.yaml");
        Files.writeString(yaml, """
                backend: {type: openai, base_url: "http://127.0.0.1:1/v1", model: fake}
                data: {path: "%s", task: math}
                rsa: {population: 4, k: 2, steps: 3}
                sampling: {temperature: 1.0, max_tokens: 64}
                seed: 1234
                output_dir: "%s"
                """.formatted(data, out));
        return EvalConfig.load(yaml, List.of(overrides));
    }

    private static List<StateMetrics> run(EvalConfig c, FakeBackend backend) {
        BackendFactory factory = cfg -> backend;
        return new EvalRun(c, TestProblems::read, task -> new BoxedVerifier(), factory).run(RsaLoop.Listener.NONE);
    }

    /** generations.jsonl as a map from (problem, seed, step, slot) to the whole line. */
    private static Map<String, JsonNode> generations(Path out) throws IOException {
        Map<String, JsonNode> byKey = new TreeMap<>();
        for (String line : Files.readAllLines(out.resolve(EvalRun.GENERATIONS))) {
            JsonNode n = JSON.readTree(line);
            String key = n.get("problem_id").asText() + "/" + n.get("seed") + "/" + n.get("step") + "/" + n.get("slot");
            assertFalse(byKey.containsKey(key), "duplicate line for " + key);
            byKey.put(key, n);
        }
        return byKey;
    }

    @Test
    void writesAllOutputsWithTheDocumentedFields() throws IOException {
        Path out = dir.resolve("run");
        List<StateMetrics> metrics = run(config(out), new FakeBackend());
        assertEquals(3, metrics.size());
        Map<String, JsonNode> gens = generations(out);
        assertEquals(4 * 4 * 3, gens.size());
        JsonNode g = gens.get("m1/1234/2/0");
        for (String field : List.of("problem_id", "seed", "step", "slot", "parents", "response", "extracted", "score")) {
            assertTrue(g.has(field), field);
        }
        assertEquals(2, g.get("parents").size());
        List<String> lines = Files.readAllLines(out.resolve(EvalRun.METRICS));
        assertEquals(3, lines.size());
        JsonNode last = JSON.readTree(lines.get(2));
        assertEquals(3, last.get("step").asInt());
        assertEquals(1234, last.get("seed").asLong());
        for (String field : List.of("pass@1", "pass@n", "majority", "mean_response_tokens", "median_response_tokens", "calls")) {
            assertTrue(last.has(field), field);
        }
        assertEquals(48, last.get("calls").asInt());
        // pass@1 of the last state recomputed from the generations file by hand.
        double pass1 = gens.values().stream().filter(n -> n.get("step").asInt() == 3)
                .mapToDouble(n -> n.get("score").asDouble()).sum() / 16;
        assertEquals(pass1, last.get("pass@1").asDouble(), 1e-12);
        JsonNode summary = JSON.readTree(out.resolve(EvalRun.SUMMARY).toFile());
        assertEquals(3, summary.get("states").size());
        assertEquals(last.get("majority").asDouble(), summary.at("/final/majority/mean").asDouble(), 1e-12);
        BufferedImage png = ImageIO.read(out.resolve(EvalRun.PLOT).toFile());
        assertNotNull(png);
        assertEquals(800, png.getWidth());
    }

    @Test
    void killedRunResumesWithoutRepeatingAnyFinishedRequest() throws IOException {
        Path reference = dir.resolve("reference");
        run(config(reference), new FakeBackend());

        Path out = dir.resolve("resumed");
        FakeBackend first = new FakeBackend(21); // dies in the middle of state 2
        assertThrows(BackendException.class, () -> run(config(out), first));
        assertEquals(21, generations(out).size());
        // Simulate a kill during a write: a partial line at the end must be dropped, not break the resume.
        Files.writeString(out.resolve(EvalRun.GENERATIONS), "{\"problem_id\": \"m1\", \"se",
                java.nio.file.StandardOpenOption.APPEND);

        FakeBackend second = new FakeBackend();
        run(config(out), second);
        Set<String> sent = new HashSet<>();
        for (ChatRequest r : first.received()) {
            assertTrue(sent.add(r.seed() + "|" + r.messages()), "sent twice");
        }
        for (ChatRequest r : second.received()) {
            assertTrue(sent.add(r.seed() + "|" + r.messages()), "finished request sent again");
        }
        assertEquals(48, sent.size());
        assertEquals(48 - 21, second.received().size());
        assertEquals(generations(reference), generations(out));
        assertEquals(Files.readAllLines(reference.resolve(EvalRun.METRICS)), Files.readAllLines(out.resolve(EvalRun.METRICS)));

        // A third run has nothing left to do.
        FakeBackend third = new FakeBackend();
        run(config(out), third);
        assertEquals(0, third.received().size());
    }

    @Test
    void resumeRefusesADifferentConfig() throws IOException {
        Path out = dir.resolve("run");
        run(config(out), new FakeBackend());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> run(config(out, "rsa.k=3"), new FakeBackend()));
        assertTrue(e.getMessage().contains("rsa.k: was 2, now 3"), e.getMessage());
        // Settings that do not change results may differ.
        run(config(out, "backend.max_concurrency=3"), new FakeBackend());
    }

    @Test
    void seedsAreRunAndSummarisedAsMeanAndStd() throws IOException {
        Path out = dir.resolve("seeds");
        List<StateMetrics> metrics = run(config(out, "seeds=[1, 2, 3]"), new FakeBackend());
        assertEquals(9, metrics.size());
        JsonNode summary = JSON.readTree(out.resolve(EvalRun.SUMMARY).toFile());
        JsonNode step2 = summary.get("states").get(1);
        assertEquals(3, step2.get("seeds").asInt());
        double[] v = metrics.stream().filter(m -> m.step() == 2).mapToDouble(StateMetrics::pass1).toArray();
        double mean = (v[0] + v[1] + v[2]) / 3;
        double var = ((v[0] - mean) * (v[0] - mean) + (v[1] - mean) * (v[1] - mean) + (v[2] - mean) * (v[2] - mean)) / 2;
        assertEquals(mean, step2.at("/pass@1/mean").asDouble(), 1e-12);
        assertEquals(Math.sqrt(var), step2.at("/pass@1/std").asDouble(), 1e-12);
        assertEquals(9, Files.readAllLines(out.resolve(EvalRun.METRICS)).size());
        assertNotNull(ImageIO.read(out.resolve(EvalRun.PLOT).toFile()));
    }

    @Test
    void flakyServerStillCompletesWithTheSameResults() throws IOException {
        // The same run against a loopback OpenAI server, once clean and once with injected faults.
        List<Map<String, JsonNode>> results = new ArrayList<>();
        for (boolean faulty : new boolean[]{false, true}) {
            try (FakeOpenAiServer server = new FakeOpenAiServer()) {
                if (faulty) {
                    server.faults((seed, attempt) -> attempt > 2 || seed % 3 == 0 ? new FakeOpenAiServer.Ok()
                            : seed % 3 == 1 ? new FakeOpenAiServer.Status(503) : new FakeOpenAiServer.Drop());
                }
                Path out = dir.resolve("server-" + faulty);
                EvalConfig c = config(out, "backend.base_url=" + server.baseUrl(), "backend.backoff_s=0.001",
                        "backend.max_concurrency=4");
                new EvalRun(c, TestProblems::read, task -> new BoxedVerifier(), BackendFactory.builtIn())
                        .run(RsaLoop.Listener.NONE);
                assertEquals(48, server.served());
                results.add(generations(out));
            }
        }
        assertEquals(results.get(0), results.get(1));
    }
}
