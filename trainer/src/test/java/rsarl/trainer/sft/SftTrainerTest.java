package rsarl.trainer.sft;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.trainer.BigramPolicy;
import rsarl.trainer.config.SftConfig;
import rsarl.trainer.loop.CheckpointManager;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SftTrainerTest {
    /** Prompt "a".."c" -> token 0..2; response digits -> tokens, then end token 4. */
    private static int[][] encode(SftExample e) {
        int[] p = {e.prompt().charAt(0) - 'a'};
        int[] r = new int[e.response().length() + 1];
        for (int i = 0; i < e.response().length(); i++) {
            r[i] = e.response().charAt(i) - '0';
        }
        r[r.length - 1] = 4;
        return new int[][] {p, r};
    }

    private static SftConfig config(Path dir, String out, String... extra) throws IOException {
        Files.createDirectories(dir.resolve("model"));
        Path data = dir.resolve("pairs.jsonl");
        Files.writeString(data, "{\"prompt\":\"a\",\"response\":\"3\"}\n{\"prompt\":\"b\",\"response\":\"3\"}\n"
                + "{\"prompt\":\"c\",\"response\":\"3\"}\n");
        Path f = dir.resolve("sft.yaml");
        Files.writeString(f, "model: " + dir.resolve("model") + "\noutput_dir: " + dir.resolve(out) + "\ndata:\n"
                + "  train: " + data + "\nbatch_size: 2\nmicro_batch_size: 1\nlearning_rate: 0.3\n"
                + "lr_scheduler_type: constant\n"
                + "num_train_epochs: 8\nsave_steps: 5\nsave_total_limit: 1\n");
        return SftConfig.load(f, List.of(extra));
    }

    private static float[] train(SftConfig cfg, long stopAfter) throws IOException {
        try (BigramPolicy p = new BigramPolicy(5)) {
            new SftTrainer(cfg, SftExample.read(Path.of(cfg.data().train())), SftTrainerTest::encode, p, 0,
                    new PrintStream(java.io.OutputStream.nullOutputStream())).run(stopAfter);
            return p.table.toFloatArray();
        }
    }

    @Test
    void learnsAndResumesBitIdentically(@TempDir Path dir) throws IOException {
        float[] straight = train(config(dir, "a"), -1);
        List<String> lines = Files.readAllLines(dir.resolve("a/metrics.jsonl"));
        assertEquals(12, lines.size()); // ceil(8 epochs x 3 / 2)
        ObjectMapper om = new ObjectMapper();
        double first = om.readTree(lines.get(0)).get("loss").asDouble();
        double last = om.readTree(lines.get(11)).get("loss").asDouble();
        assertEquals(Math.log(5), first, 1e-5);
        assertTrue(last < 0.5 * first, "loss falls: " + first + " -> " + last);

        train(config(dir, "b"), 7);
        float[] resumed = train(config(dir, "b", "resume=auto"), -1);
        assertArrayEquals(straight, resumed, 0f);
        assertEquals(List.of(dir.resolve("b/checkpoint-12")), new CheckpointManager(dir.resolve("b"), 1).checkpoints());
    }

    /** The shared training loop gives SFT what GRPO had: resume from a named checkpoint and the config-hash warning. */
    @Test
    void resumesFromANamedCheckpointAndWarnsWhenTheConfigChanged(@TempDir Path dir) throws IOException {
        float[] straight = train(config(dir, "a"), -1);
        train(config(dir, "b"), 7); // checkpoint-5 is kept
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        SftConfig named = config(dir, "c", "resume=" + dir.resolve("b/checkpoint-5"));
        try (BigramPolicy p = new BigramPolicy(5)) {
            new SftTrainer(named, SftExample.read(Path.of(named.data().train())), SftTrainerTest::encode, p, 0,
                    new PrintStream(err)).run(-1);
            assertArrayEquals(straight, p.table.toFloatArray(), 0f);
        }
        assertEquals(12 - 5, Files.readAllLines(dir.resolve("c/metrics.jsonl")).size(), "steps 6..12 logged in c");
        SftConfig changed = config(dir, "b", "resume=auto", "weight_decay=0.5");
        err.reset();
        try (BigramPolicy p = new BigramPolicy(5)) {
            new SftTrainer(changed, SftExample.read(Path.of(changed.data().train())), SftTrainerTest::encode, p, 0,
                    new PrintStream(err)).run(-1);
        }
        assertTrue(err.toString().contains("with a different config"), err.toString());
    }
}
