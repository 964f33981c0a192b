package rsarl.trainer.sft;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.trainer.TinyQwen;
import rsarl.trainer.config.SftConfig;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** gradient_checkpointing, micro_batch_max_tokens and dtype on a tiny Qwen SFT run. */
class SftScaleOptionsTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    private static Path config(Path dir, Path model, String out, String extra) throws IOException {
        Path data = dir.resolve("pairs.jsonl");
        if (!Files.exists(data)) {
            Files.writeString(data, "{\"prompt\":\"color of the sky?\",\"response\":\"blue, mostly\"}\n"
                    + "{\"prompt\":\"color of grass?\",\"response\":\"green\"}\n"
                    + "{\"prompt\":\"a much longer question about the colour of the sea at night?\",\"response\":\"dark\"}\n"
                    + "{\"prompt\":\"sun?\",\"response\":\"yellow or white, depending on who you ask\"}\n");
        }
        Path f = dir.resolve(out + ".yaml");
        Files.writeString(f, "model: " + model + "\noutput_dir: " + dir.resolve(out) + "\ndata:\n  train: " + data
                + "\nbatch_size: 4\nlearning_rate: 0.01\nlr_scheduler_type: constant\nmax_steps: 4\nsave_steps: 2\n"
                + "resume: auto\n" + extra);
        return f;
    }

    private static double[] losses(Path out) throws IOException {
        ObjectMapper om = new ObjectMapper();
        return Files.readAllLines(out.resolve("metrics.jsonl")).stream()
                .mapToDouble(l -> {
                    try {
                        return om.readTree(l).get("loss").asDouble();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }).toArray();
    }

    /** metrics.jsonl without the wall-clock field. */
    private static List<String> withoutTimes(Path out) throws IOException {
        return Files.readAllLines(out.resolve("metrics.jsonl")).stream()
                .map(l -> l.replaceAll(",\"update_seconds\":[0-9.eE-]+", "")).toList();
    }

    @Test
    void checkpointingAndTokenBudgetTrainAsThePlainRunAndResumeExactly(@TempDir Path dir) throws IOException {
        Path model = TinyQwen.create(dir.resolve("m"), 3);
        SftRun.run(SftConfig.load(config(dir, model, "plain", ""), List.of()), QUIET, -1);
        String scaled = "gradient_checkpointing: true\nmicro_batch_max_tokens: 40\n";
        SftRun.run(SftConfig.load(config(dir, model, "scaled", scaled), List.of()), QUIET, -1);
        SftRun.run(SftConfig.load(config(dir, model, "resumed", scaled), List.of()), QUIET, 2);
        SftRun.run(SftConfig.load(config(dir, model, "resumed", scaled), List.of()), QUIET, -1);
        double[] plain = losses(dir.resolve("plain"));
        double[] ckpt = losses(dir.resolve("scaled"));
        assertEquals(4, plain.length);
        for (int i = 0; i < plain.length; i++) {
            assertEquals(plain[i], ckpt[i], 1e-4 * Math.abs(plain[i]), "step " + (i + 1));
        }
        assertTrue(plain[3] < plain[0], "the run learns: " + java.util.Arrays.toString(plain));
        assertEquals(withoutTimes(dir.resolve("scaled")), withoutTimes(dir.resolve("resumed")));
    }

    @Test
    void halfPrecisionBaseTrainsFp32Adapters(@TempDir Path dir) throws IOException {
        Path model = TinyQwen.create(dir.resolve("m"), 4);
        String lora = "lora:\n  rank: 4\n  alpha: 8\n";
        SftRun.run(SftConfig.load(config(dir, model, "fp16", "dtype: fp16\n" + lora), List.of()), QUIET, -1);
        double[] l = losses(dir.resolve("fp16"));
        assertEquals(4, l.length);
        for (double v : l) assertTrue(Double.isFinite(v), java.util.Arrays.toString(l));
        assertTrue(l[3] < l[0], "the adapters learn over an fp16 base: " + java.util.Arrays.toString(l));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SftConfig.load(config(dir, model, "full16", "dtype: fp16\n"), List.of()));
        assertTrue(e.getMessage().contains("dtype") && e.getMessage().contains("lora.rank"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SftConfig.load(config(dir, model, "bf16", "dtype: bf16\n" + lora), List.of()));
        assertTrue(e.getMessage().contains("bfloat16"), e.getMessage());
    }
}
