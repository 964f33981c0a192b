package rsarl.cli;

import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** {@code cuda} on the CPU build gives the same one line on every command that runs a model, and creates nothing. */
class DeviceMessagesTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void model() throws IOException {
        assumeFalse(Engine.getInstance().hasCapability(StandardCapabilities.CUDA), "this engine has CUDA");
        assertEquals(0, Rsa.run("make-tokenizer", "--out", dir.resolve("tok").toString(), "--vocab-size", "300"));
        assertEquals(0, Rsa.run("init-model", "--preset", "tiny", "--tokenizer", dir.resolve("tok/tokenizer.json").toString(),
                "--out", dir.resolve("m").toString()));
        Files.writeString(dir.resolve("p.jsonl"), "{\"id\": \"a\", \"prompt\": \"1+1?\", \"answer\": \"2\"}\n");
        Files.writeString(dir.resolve("pairs.jsonl"), "{\"prompt\": \"a\", \"response\": \"b\"}\n");
        Files.writeString(dir.resolve("eval.yaml"), "backend: {type: local, model: " + dir.resolve("m") + "}\n"
                + "data: {path: " + dir.resolve("p.jsonl") + ", task: math}\noutput_dir: " + dir.resolve("out") + "\n");
        Files.writeString(dir.resolve("cand.yaml"), "backend: {type: local, model: " + dir.resolve("m") + "}\n"
                + "data: {path: " + dir.resolve("p.jsonl") + ", task: math}\noutput: " + dir.resolve("pool.jsonl") + "\n");
        Files.writeString(dir.resolve("train.yaml"), "model: " + dir.resolve("m") + "\ndata: {path: "
                + dir.resolve("p.jsonl") + ", task: math}\naggregation: {ratio: 0.0}\noutput_dir: " + dir.resolve("t") + "\n");
        Files.writeString(dir.resolve("sft.yaml"), "model: " + dir.resolve("m") + "\ndata: {train: "
                + dir.resolve("pairs.jsonl") + "}\noutput_dir: " + dir.resolve("s") + "\n");
    }

    private static String err(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(1, Rsa.run(args), String.join(" ", args));
        } finally {
            System.setErr(old);
        }
        return err.toString(StandardCharsets.UTF_8).strip();
    }

    @Test
    void cudaOnTheCpuBuildIsOneLineEverywhere() {
        String m = dir.resolve("m").toString();
        String eval = dir.resolve("eval.yaml").toString();
        List<String[]> commands = List.of(
                new String[] {"generate", "--model", m, "--prompt", "hi", "--device", "cuda"},
                new String[] {"score", "--model", m, "--raw", "hi", "--device", "cuda:1"},
                new String[] {"bench-generate", "--model", m, "--device", "cuda"},
                new String[] {"serve", "--model", m, "--port", "0", "--device", "cuda"},
                new String[] {"eval", "--config", eval, "--no-progress", "--set", "backend.device=cuda"},
                new String[] {"candidates", "--config", dir.resolve("cand.yaml").toString(), "--no-progress", "--set",
                        "backend.device=cuda"},
                new String[] {"train", "--config", dir.resolve("train.yaml").toString(), "--set", "device=cuda"},
                new String[] {"sft", "--config", dir.resolve("sft.yaml").toString(), "--set", "device=cuda"});
        for (String[] c : commands) {
            String e = err(c);
            e = e.lines().filter(l -> !l.contains("ai.djl")).reduce((a, b) -> a + "\n" + b).orElse("");
            assertEquals(1, e.lines().count(), e);
            assertTrue(e.startsWith("rsa " + c[0] + ": error: ") && e.contains("no CUDA device")
                    && e.contains("PYTORCH_LIBRARY_PATH"), e);
        }
        assertTrue(!Files.exists(dir.resolve("out")) && !Files.exists(dir.resolve("t")) && !Files.exists(dir.resolve("s"))
                && !Files.exists(dir.resolve("pool.jsonl")), "nothing created");
    }
}
