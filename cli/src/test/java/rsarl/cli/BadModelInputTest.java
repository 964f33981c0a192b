package rsarl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.BpeTokenizerBuilder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rsarl.cli.CliRun.rsa;

/** Broken checkpoints end every model command with one line naming the file and the problem. */
class BadModelInputTest {
    @TempDir
    static Path tmp;
    static Path good;

    @BeforeAll
    static void tinyModel() {
        Path tok = tmp.resolve("tok");
        new BpeTokenizerBuilder(270).corpus(java.util.List.of("abc abc abd")).write(tok);
        good = tmp.resolve("good");
        CliRun init = rsa("init-model", "--preset", "tiny", "--tokenizer", tok.resolve("tokenizer.json").toString(),
                "--out", good.toString());
        assertEquals(0, init.code(), init.err());
    }

    /** A copy of the good model to break. */
    private static Path copy(String name) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        try (var files = Files.list(good)) {
            for (Path f : (Iterable<Path>) files::iterator) Files.copy(f, dir.resolve(f.getFileName()));
        }
        return dir;
    }

    /** Every model command fails the same way on this folder. */
    private static void allFail(Path dir, String... fragments) {
        String[][] commands = {
                {"score", "--model", dir.toString(), "--input-ids", "5,6"},
                {"generate", "--model", dir.toString(), "--input-ids", "5", "--max-new-tokens", "2"},
                {"generate", "--model", dir.toString(), "--raw", "abc", "--max-new-tokens", "2"},
                {"bench-generate", "--model", dir.toString(), "--batch", "1", "--prompt", "2", "--new", "1"},
        };
        for (String[] c : commands) {
            CliRun r = rsa(c);
            assertTrue(r.failedWithOneLine(fragments), String.join(" ", c) + " -> " + r.code() + ": " + r.err());
        }
    }

    @Test
    void missingModelDirectory() {
        Path none = tmp.resolve("none");
        allFail(none, none.toString(), "no such model directory");
    }

    @Test
    void missingConfigJsonOrKey() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        allFail(empty, empty.resolve("config.json") + ": not found");
        Path dir = copy("nokey");
        ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        cfg.remove("num_hidden_layers");
        Files.writeString(dir.resolve("config.json"), cfg.toString());
        CliRun r = rsa("score", "--model", dir.toString(), "--input-ids", "5,6");
        assertTrue(r.failedWithOneLine("missing key num_hidden_layers"), r.err());
        assertEquals(r.err().indexOf("config.json"), r.err().lastIndexOf("config.json"), "file named once: " + r.err());
    }

    @Test
    void malformedConfigJson() throws IOException {
        Path dir = copy("badjson");
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"qwen3\", ");
        allFail(dir, dir.resolve("config.json").toString(), "malformed JSON");
    }

    @Test
    void unknownModelType() throws IOException {
        Path dir = copy("llama");
        ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        cfg.put("model_type", "llama");
        Files.writeString(dir.resolve("config.json"), cfg.toString());
        allFail(dir, dir.resolve("config.json").toString(), "model_type", "llama");
    }

    @Test
    void truncatedSafetensors() throws IOException {
        Path dir = copy("short");
        Path st = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(st);
        Files.write(st, Arrays.copyOf(all, all.length / 2));
        allFail(dir, st.toString());
    }

    @Test
    void inconsistentSafetensorsHeader() throws IOException {
        Path dir = copy("header");
        Path st = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(st);
        long headerLen = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = (ObjectNode) json.readTree(new String(all, 8, (int) headerLen, StandardCharsets.UTF_8));
        // Double the first dimension of one tensor: its byte span no longer matches dtype x shape.
        String name = null;
        for (Iterator<Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> e = it.next();
            if (!e.getKey().equals("__metadata__")) {
                name = e.getKey();
                var shape = (com.fasterxml.jackson.databind.node.ArrayNode) e.getValue().get("shape");
                shape.set(0, shape.get(0).longValue() * 2);
                break;
            }
        }
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + all.length - 8 - (int) headerLen).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(all, 8 + (int) headerLen, all.length - 8 - (int) headerLen);
        Files.write(st, out.array());
        allFail(dir, st.toString(), name);
    }

    @Test
    void cudaWithoutACudaEngine() {
        Assumptions.assumeFalse(Engine.getInstance().hasCapability(StandardCapabilities.CUDA), "a CUDA engine is present");
        CliRun r = rsa("generate", "--model", good.toString(), "--input-ids", "5", "--device", "cuda");
        assertTrue(r.failedWithOneLine("--device cuda", "no CUDA device"), r.err());
    }

    @Test
    void tokenIdOutOfRange() {
        CliRun r = rsa("score", "--model", good.toString(), "--input-ids", "5,99999");
        assertTrue(r.failedWithOneLine("token id 99999 is outside the vocabulary [0, ", good.toString()), r.err());
    }
}
