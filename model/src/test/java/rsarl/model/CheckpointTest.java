package rsarl.model;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Saving, sharding, BF16 and untied checkpoints, and the errors bad files give. */
class CheckpointTest {
    @TempDir
    Path tmp;

    private Path copyFixture(String name, String as) throws IOException {
        Path dst = tmp.resolve(as);
        Files.createDirectories(dst);
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(Fixtures.dir(name).resolve(f), dst.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        return dst;
    }

    private static void assertSameParameters(QwenModel a, QwenModel b) {
        assertEquals(a.parameters().keySet(), b.parameters().keySet());
        for (Map.Entry<String, NDArray> e : a.parameters().entrySet()) {
            NDArray other = b.parameters().get(e.getKey());
            assertEquals(e.getValue().getShape(), other.getShape(), e.getKey());
            assertArrayEquals(e.getValue().toFloatArray(), other.toFloatArray(), 0f, e.getKey());
        }
    }

    @Test
    void saveThenLoadIsBitExactAndCopiesTokenizerFiles() throws IOException {
        Path src = copyFixture(Fixtures.QWEN3, "src");
        Files.writeString(src.resolve("tokenizer.json"), "{\"model\":{}}");
        Files.writeString(src.resolve("generation_config.json"), "{\"eos_token_id\":[382,5]}");
        Path out = tmp.resolve("saved");
        try (QwenModel a = QwenModel.load(src)) {
            a.save(out);
            try (QwenModel b = QwenModel.load(out)) {
                assertSameParameters(a, b);
                assertEquals(a.config(), b.config());
                assertEquals(java.util.List.of(382, 5), b.config().eosTokenIds());
            }
            // saving over an existing checkpoint replaces it in place
            a.save(out);
        }
        assertEquals("{\"model\":{}}", Files.readString(out.resolve("tokenizer.json")));
        try (var files = Files.list(tmp)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "temp dir left behind");
        }
        ByteBuffer head = ByteBuffer.wrap(Files.readAllBytes(out.resolve("model.safetensors")), 0, 8)
                .order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, (8 + head.getLong()) % 8, "data section must start 8-byte aligned");
    }

    /** Big tensors are read and written in row chunks; tiny chunks must give the same bits. */
    @Test
    void chunkedReadAndWriteAreBitExact() throws IOException {
        long read = SafetensorsFile.chunkBytes;
        long write = CheckpointWriter.chunkBytes;
        Path out = tmp.resolve("chunked");
        Map<String, RawSafetensors.Tensor> base = RawSafetensors.read(Fixtures.dir(Fixtures.QWEN2).resolve("model.safetensors"));
        Path bf = copyFixture(Fixtures.QWEN2, "bf");
        RawSafetensors.write(bf.resolve("model.safetensors"), base, "BF16");
        try (QwenModel a = QwenModel.load(Fixtures.dir(Fixtures.QWEN2)); QwenModel bfWhole = QwenModel.load(bf)) {
            SafetensorsFile.chunkBytes = 1000;
            CheckpointWriter.chunkBytes = 3000;
            a.save(out);
            try (QwenModel b = QwenModel.load(out); QwenModel bfChunked = QwenModel.load(bf)) {
                assertSameParameters(a, b);
                assertSameParameters(bfWhole, bfChunked);
            }
        } finally {
            SafetensorsFile.chunkBytes = read;
            CheckpointWriter.chunkBytes = write;
        }
    }

    @Test
    void shardedCheckpointLoadsLikeSingleFile() {
        Path out = tmp.resolve("sharded");
        try (QwenModel a = QwenModel.load(Fixtures.dir(Fixtures.QWEN2))) {
            a.save(out, 100_000);
            assertTrue(Files.exists(out.resolve(Checkpoint.INDEX)));
            assertFalse(Files.exists(out.resolve(Checkpoint.SINGLE)));
            try (var files = Files.list(out)) {
                assertTrue(files.filter(p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors"))
                        .count() >= 2, "several shards");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            try (QwenModel b = QwenModel.load(out)) {
                assertSameParameters(a, b);
                int[] ids = {5, 17, 42, 7};
                assertArrayEquals(QwenModelFixtureTest.logitsOf(a, ids), QwenModelFixtureTest.logitsOf(b, ids), 0f);
            }
        }
    }

    /** An untied BF16 checkpoint equals the F32 checkpoint holding the same (bf16-rounded) values. */
    @Test
    void untiedBf16CheckpointLoadsAndRuns() throws IOException {
        Map<String, RawSafetensors.Tensor> base = RawSafetensors.read(Fixtures.dir(Fixtures.QWEN3).resolve("model.safetensors"));
        Map<String, RawSafetensors.Tensor> rounded = new LinkedHashMap<>();
        base.forEach((n, t) -> {
            float[] r = new float[t.data().length];
            for (int i = 0; i < r.length; i++) r[i] = RawSafetensors.toBf16(t.data()[i]);
            rounded.put(n, new RawSafetensors.Tensor(t.shape(), r));
        });
        // lm_head: the embeddings with rows in reverse order, so a model that ignored it would differ
        RawSafetensors.Tensor emb = rounded.get("model.embed_tokens.weight");
        int rows = (int) emb.shape()[0];
        int cols = (int) emb.shape()[1];
        float[] head = new float[emb.data().length];
        for (int r = 0; r < rows; r++) System.arraycopy(emb.data(), (rows - 1 - r) * cols, head, r * cols, cols);
        rounded.put("lm_head.weight", new RawSafetensors.Tensor(emb.shape(), head));

        ObjectNode cfg = (ObjectNode) QwenConfig.readJson(Fixtures.dir(Fixtures.QWEN3).resolve("config.json"));
        cfg.put("tie_word_embeddings", false);
        cfg.put("torch_dtype", "bfloat16");
        Path bf = Files.createDirectories(tmp.resolve("bf16"));
        Path f32 = Files.createDirectories(tmp.resolve("f32"));
        for (Path d : new Path[] {bf, f32}) QwenConfig.JSON.writeValue(d.resolve("config.json").toFile(), cfg);
        RawSafetensors.write(bf.resolve("model.safetensors"), rounded, "BF16");
        RawSafetensors.write(f32.resolve("model.safetensors"), rounded, "F32");

        int[] ids = {3, 99, 250, 17, 8};
        try (QwenModel a = QwenModel.load(bf); QwenModel b = QwenModel.load(f32);
             QwenModel tied = QwenModel.load(Fixtures.dir(Fixtures.QWEN3))) {
            assertFalse(a.config().tieWordEmbeddings());
            assertTrue(a.parameters().containsKey("lm_head.weight"));
            assertArrayEquals(rounded.get("lm_head.weight").data(), a.parameters().get("lm_head.weight").toFloatArray(), 0f);
            float[] la = QwenModelFixtureTest.logitsOf(a, ids);
            assertArrayEquals(QwenModelFixtureTest.logitsOf(b, ids), la, 0f);
            float[] lt = QwenModelFixtureTest.logitsOf(tied, ids);
            assertNotEquals(lt[0], la[0], 1e-3);
            for (float x : la) assertTrue(Float.isFinite(x));
        }
    }

    @Test
    void truncatedFileIsRejected() throws IOException {
        Path d = copyFixture(Fixtures.QWEN3, "trunc");
        Path f = d.resolve("model.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(raf.length() / 2);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QwenModel.load(d));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("outside the data section"), e.getMessage());
    }

    @Test
    void headerLengthPastEndOfFileIsRejected() throws IOException {
        Path d = copyFixture(Fixtures.QWEN3, "hdr");
        Path f = d.resolve("model.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(5000).put("{\"a\":1}".getBytes());
        Files.write(f, b.array());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QwenModel.load(d));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("past the end"), e.getMessage());
        Files.write(f, new byte[] {1, 2, 3});
        e = assertThrows(IllegalArgumentException.class, () -> QwenModel.load(d));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void malformedHeaderAndInconsistentEntriesAreRejected() throws IOException {
        Path d = copyFixture(Fixtures.QWEN3, "bad");
        Path f = d.resolve("model.safetensors");
        writeHeaderOnly(f, "{\"x\": [1, 2", 64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QwenModel.load(d));
        assertTrue(e.getMessage().contains("malformed JSON header"), e.getMessage());
        writeHeaderOnly(f, "{\"w\":{\"dtype\":\"F32\",\"shape\":[4,4],\"data_offsets\":[0,32]}}", 64);
        e = assertThrows(IllegalArgumentException.class, () -> QwenModel.load(d));
        assertTrue(e.getMessage().contains("tensor w") && e.getMessage().contains("need 64"), e.getMessage());
    }

    @Test
    void unsupportedDtypeIsNamed() throws IOException {
        Path d = copyFixture(Fixtures.QWEN3, "dtype");
        Path f = d.resolve("model.safetensors");
        writeHeaderOnly(f, "{\"model.embed_tokens.weight\":{\"dtype\":\"I64\",\"shape\":[384,64],"
                + "\"data_offsets\":[0,196608]}}", 196608);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QwenModel.load(d));
        assertTrue(e.getMessage().contains("model.embed_tokens.weight") && e.getMessage().contains("unsupported dtype I64"),
                e.getMessage());
    }

    private static void writeHeaderOnly(Path f, String json, int dataBytes) throws IOException {
        byte[] j = json.getBytes();
        ByteBuffer b = ByteBuffer.allocate(8 + j.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(j.length).put(j);
        Files.write(f, b.array());
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Map<String, RawSafetensors.Tensor> base = RawSafetensors.read(Fixtures.dir(Fixtures.QWEN2).resolve("model.safetensors"));
        base.remove("model.layers.1.mlp.up_proj.weight");
        Path d = copyFixture(Fixtures.QWEN2, "missing");
        RawSafetensors.write(d.resolve("model.safetensors"), base, "F32");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QwenModel.load(d));
        assertTrue(e.getMessage().contains("missing tensor model.layers.1.mlp.up_proj.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    @Test
    void wrongShapeIsNamed() throws IOException {
        Path d = copyFixture(Fixtures.QWEN2, "shape");
        ObjectNode cfg = (ObjectNode) QwenConfig.readJson(d.resolve("config.json"));
        cfg.put("intermediate_size", 100);
        QwenConfig.JSON.writeValue(d.resolve("config.json").toFile(), cfg);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QwenModel.load(d));
        assertTrue(e.getMessage().contains("model.layers.0.mlp.gate_proj.weight"), e.getMessage());
    }
}
