package rsarl.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code init} creates only the model folder its config file names: a mistyped model path on the command line, or one
 * inside a training run's checkpoint folder, is an error naming the path, and nothing is created.
 */
class InitTargetTest {
    @TempDir
    Path dir;

    private record Out(int code, String out, String err) {}

    private static Out rsa(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Rsa.run(args);
            return new Out(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private Path evalConfig(Path model) throws IOException {
        Path f = dir.resolve("eval.yaml");
        Files.writeString(f, String.join("\n",
                "backend: {type: local, model: " + model + ", max_batch: 8}",
                "init: {preset: tiny, seed: 0, vocab_size: 300}",
                "data: {path: " + dir.resolve("p.jsonl") + ", task: \"puzzle:arith\", generate: {task: \"puzzle:arith\","
                        + " n: 2, seed: 99}}",
                "rsa: {population: 2, k: 1, steps: 1}",
                "sampling: {max_tokens: 4}",
                "output_dir: " + dir.resolve("out"), ""));
        return f;
    }

    @Test
    void aMistypedModelOnTheCommandLineIsAnErrorAndCreatesNothing() throws IOException {
        Path cfg = evalConfig(dir.resolve("model"));
        Path typo = dir.resolve("runs/train/checkpont-6/model");
        Out r = rsa("eval", "--config", cfg.toString(), "--no-progress", "--set", "backend.model=" + typo);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--set backend.model=" + typo + ": key 'backend.model': model folder not found: " + typo), r.err());
        assertFalse(Files.exists(dir.resolve("runs")));
        assertFalse(Files.exists(dir.resolve("model")));
        assertFalse(Files.exists(dir.resolve("out")));
    }

    @Test
    void aModelInsideARunFolderIsNeverCreated() throws IOException {
        Path inRun = dir.resolve("runs/train/checkpoint-6/model");
        Out r = rsa("eval", "--config", evalConfig(inRun).toString(), "--no-progress");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("backend.model': model folder not found: " + inRun), r.err());
        assertFalse(Files.exists(dir.resolve("runs")));
    }

    @Test
    void trainRefusesAMistypedModelToo() throws IOException {
        Path f = dir.resolve("train.yaml");
        Files.writeString(f, String.join("\n", "model: " + dir.resolve("model"),
                "init: {preset: tiny, seed: 0, vocab_size: 300}",
                "data: {path: " + dir.resolve("p.jsonl") + ", generate: {task: \"puzzle:arith\", n: 2, seed: 0},"
                        + " task: \"puzzle:arith\"}",
                "aggregation: {ratio: 0.0}",
                "output_dir: " + dir.resolve("out"), ""));
        Path typo = dir.resolve("modle");
        Out r = rsa("train", "--config", f.toString(), "--set", "model=" + typo);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--set model=" + typo + ": key 'model': model folder not found: " + typo), r.err());
        assertFalse(Files.exists(typo));
        assertFalse(Files.exists(dir.resolve("p.jsonl")));
    }

    @Test
    void initCreatesTheFolderItsConfigNamesAndSaysSoOnStdout() throws IOException {
        Path model = dir.resolve("model");
        Out r = rsa("eval", "--config", evalConfig(model).toString(), "--no-progress");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("init: creating " + model + ": the project's tokenizer (vocab 300) and a random"
                + " tiny model (seed 0)"), r.out());
        assertTrue(Files.isRegularFile(model.resolve("config.json")));
    }
}
