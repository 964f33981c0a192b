package rsarl.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QwenConfigTest {
    @TempDir
    Path tmp;

    @Test
    void readsQwen3WithExplicitHeadDim() {
        QwenConfig c = QwenConfig.read(Fixtures.dir(Fixtures.QWEN3).resolve("config.json"));
        assertEquals("qwen3", c.modelType());
        assertEquals(32, c.headDim());
        assertEquals(4, c.numHeads());
        assertEquals(2, c.numKvHeads());
        assertEquals(10000.0, c.ropeTheta());
        assertEquals(1e-6, c.rmsNormEps());
        assertTrue(c.tieWordEmbeddings());
        assertFalse(c.attentionBias());
        assertEquals(List.of(382), c.eosTokenIds());
    }

    @Test
    void readsQwen2WithImplicitHeadDimAndBiases() {
        QwenConfig c = QwenConfig.read(Fixtures.dir(Fixtures.QWEN2).resolve("config.json"));
        assertEquals(16, c.headDim());
        assertTrue(c.attentionBias());
        assertEquals(1, c.numKvHeads());
        assertEquals(1e6, c.ropeTheta());
        assertEquals(1e-5, c.rmsNormEps());
    }

    private Path write(ObjectNode o) throws IOException {
        Path p = tmp.resolve("config.json");
        QwenConfig.JSON.writeValue(p.toFile(), o);
        return p;
    }

    private ObjectNode base() {
        return (ObjectNode) QwenConfig.readJson(Fixtures.dir(Fixtures.QWEN3).resolve("config.json"));
    }

    @Test
    void ropeParametersEosListsAndGenerationConfig() throws IOException {
        ObjectNode o = base();
        o.remove("rope_theta");
        o.putObject("rope_parameters").put("rope_type", "default").put("rope_theta", 1e6);
        o.putArray("eos_token_id").add(382).add(7);
        Path p = write(o);
        Files.writeString(tmp.resolve("generation_config.json"), "{\"eos_token_id\": [7, 9]}");
        QwenConfig c = QwenConfig.read(p);
        assertEquals(1e6, c.ropeTheta());
        assertEquals(List.of(382, 7, 9), c.eosTokenIds());
        // the written form reads back to the same config
        QwenConfig again = QwenConfig.read(write(c.toJson()));
        assertEquals(c, again);
    }

    @Test
    void badConfigsNameFileAndKey() throws IOException {
        ObjectNode o = base();
        o.put("model_type", "llama");
        Path p = write(o);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QwenConfig.read(p));
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("model_type"), e.getMessage());

        ObjectNode missing = base();
        missing.remove("hidden_size");
        Path p2 = write(missing);
        e = assertThrows(IllegalArgumentException.class, () -> QwenConfig.read(p2));
        assertTrue(e.getMessage().contains("missing key hidden_size"), e.getMessage());

        ObjectNode wrongType = base();
        wrongType.put("num_hidden_layers", "two");
        Path p3 = write(wrongType);
        e = assertThrows(IllegalArgumentException.class, () -> QwenConfig.read(p3));
        assertTrue(e.getMessage().contains("num_hidden_layers"), e.getMessage());

        Files.writeString(p3, "{\"model_type\": \"qwen3\",");
        e = assertThrows(IllegalArgumentException.class, () -> QwenConfig.read(p3));
        assertTrue(e.getMessage().contains(p3.toString()) && e.getMessage().contains("malformed JSON"), e.getMessage());

        ObjectNode yarn = base();
        yarn.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4.0);
        Path p4 = write(yarn);
        e = assertThrows(IllegalArgumentException.class, () -> QwenConfig.read(p4));
        assertTrue(e.getMessage().contains("rope_scaling") && e.getMessage().contains("yarn"), e.getMessage());
    }
}
