package rsarl.rollout.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.rewards.Problem;
import rsarl.rollout.config.ConfigLoader;
import rsarl.rollout.config.EvalConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code data.prompt_key / answer_key / id_key} of an eval config reach the problem reader. */
class ProblemSetTest {
    @TempDir
    Path dir;

    @Test
    void configuredColumnsAreRead() throws IOException {
        Path data = dir.resolve("d.jsonl");
        Files.writeString(data, "{\"Question\": \"2+2?\", \"Gold\": 4, \"uid\": \"q1\"}\n");
        Path yaml = dir.resolve("e.yaml");
        Files.writeString(yaml, """
                backend: {type: openai, base_url: "http://127.0.0.1:9/v1", model: m}
                data: {path: "%s", task: math, prompt_key: Question, answer_key: Gold, id_key: uid}
                output_dir: out
                """.formatted(data));
        EvalConfig cfg = EvalConfig.load(yaml, List.of());
        List<Problem> ps = ProblemSet.load(cfg.data(), p -> {
            throw new AssertionError("the built-in reader does not know the columns");
        });
        assertEquals(List.of("q1"), ps.stream().map(Problem::id).toList());
        assertEquals("2+2?", ps.get(0).prompt());
        assertEquals("4", ps.get(0).answer());
        assertEquals("math", ps.get(0).task());
        assertEquals("Question", ConfigLoader.toTree(cfg).get("data").get("prompt_key").asText());
    }
}
