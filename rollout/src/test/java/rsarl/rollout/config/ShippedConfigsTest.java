package rsarl.rollout.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ready-made configs under configs/eval/ of this repository bind and say what their names promise. */
class ShippedConfigsTest {
    private static final Path DIR = Path.of("..", "configs", "eval");

    private static EvalConfig load(String name) {
        return EvalConfig.load(DIR.resolve(name), List.of());
    }

    @Test
    void everyShippedConfigBinds() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(DIR)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).toList();
        }
        assertTrue(files.size() >= 4, files.toString());
        for (Path f : files) {
            EvalConfig.load(f, List.of());
        }
    }

    @Test
    void paperAndBaselinesMatchInCalls() {
        EvalConfig paper = load("paper-vllm.yaml");
        assertEquals(new RsaConfig(16, 4, 10), paper.rsa());
        assertEquals(8192, paper.sampling().maxTokens());
        assertEquals(1.0, paper.sampling().temperature());
        assertEquals(List.of(1234L), paper.seedList());
        EvalConfig k1 = load("baseline-k1.yaml");
        EvalConfig t1 = load("baseline-t1.yaml");
        assertEquals(1, k1.rsa().k());
        assertEquals(1, t1.rsa().steps());
        int calls = paper.rsa().population() * paper.rsa().steps();
        assertEquals(calls, k1.rsa().population() * k1.rsa().steps());
        assertEquals(calls, t1.rsa().population() * t1.rsa().steps());
        assertEquals("local", load("tiny.yaml").backend().type());
    }
}
