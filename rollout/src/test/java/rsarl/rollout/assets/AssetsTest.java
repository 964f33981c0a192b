package rsarl.rollout.assets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.QwenModel;
import rsarl.model.QwenTokenizer;
import rsarl.rewards.ProblemReader;
import rsarl.rollout.candidates.PoolFile;
import rsarl.rollout.config.ConfigException;
import rsarl.rollout.config.EvalConfig;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AssetsTest {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    @Test
    void createsModelAndProblemsOnlyWhenMissing(@TempDir Path dir) throws IOException {
        Path model = dir.resolve("m");
        assertTrue(Assets.ensureModel(model, new Assets.ModelInit("tiny", 3L, 300), QUIET));
        byte[] weights = Files.readAllBytes(model.resolve("model.safetensors"));
        assertFalse(Assets.ensureModel(model, new Assets.ModelInit("tiny", 4L, 300), QUIET), "left as it is");
        assertArrayEquals(weights, Files.readAllBytes(model.resolve("model.safetensors")));
        try (QwenModel m = QwenModel.load(model); QwenTokenizer tok = QwenTokenizer.load(model)) {
            assertEquals(tok.vocabSize(), m.config().vocabSize());
        }
        try (var s = Files.list(dir)) {
            assertEquals(List.of(model), s.toList(), "no temporary folders left behind");
        }
        Files.createDirectories(dir.resolve("empty"));
        assertTrue(Assets.ensureModel(dir.resolve("empty"), new Assets.ModelInit("tiny", 3L, 300), QUIET));
        assertArrayEquals(weights, Files.readAllBytes(dir.resolve("empty/model.safetensors")), "seeded");
        try (var s = Files.list(dir)) {
            assertEquals(2, s.count());
        }

        Path busy = Files.createDirectories(dir.resolve("busy"));
        Files.writeString(busy.resolve("notes.txt"), "mine");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Assets.ensureModel(busy, new Assets.ModelInit("tiny", 3L, 300), QUIET));
        assertTrue(e.getMessage().contains("no config.json"), e.getMessage());
        assertEquals("mine", Files.readString(busy.resolve("notes.txt")));

        Path problems = dir.resolve("data/p.jsonl");
        assertTrue(Assets.ensureProblems(problems, new Assets.DataGenerate("puzzle:sort", 5, 2L, 1), QUIET));
        var read = ProblemReader.read(problems);
        assertEquals(5, read.size());
        assertEquals("sort-2-0", read.get(0).id());
        assertEquals("puzzle:sort", read.get(0).task());
        assertFalse(Assets.ensureProblems(problems, new Assets.DataGenerate("puzzle:sort", 9, 2L, 1), QUIET));
        assertEquals(5, ProblemReader.read(problems).size());
    }

    @Test
    void evalConfigInitNeedsALocalBackend(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("e.yaml");
        Files.writeString(f, "backend: {type: openai, base_url: 'http://x/v1', model: m}\ninit: {preset: tiny}\n"
                + "data: {path: p.jsonl, generate: {task: 'puzzle:sort'}}\noutput_dir: o\n");
        ConfigException e = assertThrows(ConfigException.class, () -> EvalConfig.load(f, List.of()));
        assertTrue(e.getMessage().contains("init"), e.getMessage());
        EvalConfig ok = EvalConfig.load(f, List.of("backend.type=local"));
        assertEquals("tiny", ok.init().preset());
        assertEquals(64, ok.data().generate().n());
        ConfigException bad = assertThrows(ConfigException.class,
                () -> EvalConfig.load(f, List.of("backend.type=local", "data.generate.task=puzzle:nope")));
        assertTrue(bad.getMessage().contains("data.generate"), bad.getMessage());
    }

    @Test
    void poolFileGroupsByProblemInSlotOrder(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("pools.jsonl");
        Files.writeString(f, "{\"problem_id\":\"a\",\"slot\":1,\"response\":\"a1\",\"score\":1.0}\n"
                + "{\"problem_id\":\"b\",\"slot\":0,\"response\":\"b0\",\"score\":0.0}\n\n"
                + "{\"problem_id\":\"a\",\"slot\":0,\"response\":\"a0\",\"score\":0.0}\n");
        Map<String, List<PoolFile.Candidate>> pools = PoolFile.read(f);
        assertEquals(List.of("a", "b"), List.copyOf(pools.keySet()));
        assertEquals(List.of("a0", "a1"), pools.get("a").stream().map(PoolFile.Candidate::response).toList());
        assertEquals(1.0, pools.get("a").get(1).score());
        Files.writeString(f, "{\"problem_id\":\"a\",\"response\":\"x\"}\n{\"response\":\"y\"}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PoolFile.read(f));
        assertTrue(e.getMessage().contains(f + ":2"), e.getMessage());
    }
}
