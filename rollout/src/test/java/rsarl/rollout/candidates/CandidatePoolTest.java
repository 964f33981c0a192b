package rsarl.rollout.candidates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.rollout.BoxedVerifier;
import rsarl.rollout.FakeBackend;
import rsarl.rollout.TestProblems;
import rsarl.rollout.backend.BackendException;
import rsarl.rollout.config.CandidatesConfig;
import rsarl.rollout.eval.ProblemSet;
import rsarl.rollout.prompt.PromptBuilder;
import rsarl.rollout.rsa.RsaLoop;
import rsarl.rollout.rsa.StateMetrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CandidatePoolTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private CandidatesConfig config(String... overrides) throws IOException {
        Path data = TestProblems.fixture("problems/mini-math.jsonl", dir);
        Path yaml = dir.resolve("cand.yaml");
        Files.writeString(yaml, """
                backend: {type: openai, base_url: "http://127.0.0.1:1/v1", model: reference}
                data: {path: "%s", task: math}
                candidates: {per_problem: 6}
                seed: 3
                output: "%s"
                """.formatted(data, dir.resolve("pool.jsonl")));
        return CandidatesConfig.load(yaml, List.of(overrides));
    }

    @Test
    void poolHasMStandardPromptSamplesPerProblemAndResumes() throws IOException {
        FakeBackend first = new FakeBackend(10);
        assertThrows(BackendException.class,
                () -> new CandidatePool(config(), TestProblems::read, t -> new BoxedVerifier(), c -> first)
                        .run(RsaLoop.Listener.NONE));
        FakeBackend second = new FakeBackend();
        StateMetrics m = new CandidatePool(config(), TestProblems::read, t -> new BoxedVerifier(), c -> second)
                .run(RsaLoop.Listener.NONE);
        assertEquals(24 - 10, second.received().size());
        assertEquals(24, m.calls());
        List<String> lines = Files.readAllLines(dir.resolve("pool.jsonl"));
        assertEquals(24, lines.size());
        Map<String, Integer> perProblem = new HashMap<>();
        double scoreSum = 0;
        for (String line : lines) {
            JsonNode n = JSON.readTree(line);
            perProblem.merge(n.get("problem_id").asText(), 1, Integer::sum);
            assertTrue(n.get("response").asText().contains("\\boxed{"));
            scoreSum += n.get("score").asDouble();
        }
        assertEquals(Map.of("m1", 6, "m2", 6, "m3", 6, "m4", 6), perProblem);
        assertEquals(scoreSum / 24, m.pass1(), 1e-12);
        var problems = ProblemSet.load(config().data(), TestProblems::read);
        for (var r : second.received()) {
            assertTrue(problems.stream().anyMatch(p -> PromptBuilder.standardPrompt(p).equals(r.messages().get(0).content())));
        }
    }

    @Test
    void aPoolFromAnotherModelIsNotMixedIn() throws IOException {
        new CandidatePool(config(), TestProblems::read, t -> new BoxedVerifier(), c -> new FakeBackend())
                .run(RsaLoop.Listener.NONE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                new CandidatePool(config("backend.model=other"), TestProblems::read, t -> new BoxedVerifier(),
                        c -> new FakeBackend()).run(RsaLoop.Listener.NONE));
        assertTrue(e.getMessage().contains("backend.model"), e.getMessage());
    }
}
