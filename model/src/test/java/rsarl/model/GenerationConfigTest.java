package rsarl.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenerationConfigTest {
    @Test
    void savedCheckpointsCarryOneAndTheSourceOneWins(@TempDir Path tmp) throws Exception {
        try (QwenModel m = QwenModel.load(Fixtures.dir(Fixtures.QWEN3))) {
            m.save(tmp.resolve("a"));
            var json = QwenConfig.readJson(tmp.resolve("a").resolve(GenerationConfig.FILE));
            assertTrue(json.get("do_sample").asBoolean());
            assertEquals(0, json.get("top_k").asInt());
            assertEquals(new GenerationConfig(1.0, 1.0, 0), GenerationConfig.read(tmp.resolve("a")));
        }
        Files.writeString(tmp.resolve("a").resolve(GenerationConfig.FILE),
                "{\"do_sample\": true, \"temperature\": 0.6, \"top_p\": 0.95, \"top_k\": 20}");
        try (QwenModel m = QwenModel.load(tmp.resolve("a"))) {
            m.save(tmp.resolve("b"));
        }
        assertEquals(new GenerationConfig(0.6, 0.95, 20), GenerationConfig.read(tmp.resolve("b")));
    }

    @Test
    void greedyWithoutSamplingAndErrorsNameTheKey(@TempDir Path tmp) throws Exception {
        assertEquals(0, GenerationConfig.read(tmp).temperature(), "no file: greedy");
        Files.writeString(tmp.resolve(GenerationConfig.FILE), "{\"do_sample\": false, \"temperature\": 0.7}");
        assertEquals(0, GenerationConfig.read(tmp).temperature());
        Files.writeString(tmp.resolve(GenerationConfig.FILE), "{\"do_sample\": true}");
        assertEquals(new GenerationConfig(1.0, 1.0, 50), GenerationConfig.read(tmp), "transformers' defaults");
        Files.writeString(tmp.resolve(GenerationConfig.FILE), "{\"do_sample\": true, \"top_p\": \"high\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GenerationConfig.read(tmp));
        assertTrue(e.getMessage().contains("top_p") && e.getMessage().contains(GenerationConfig.FILE), e.getMessage());
    }
}
