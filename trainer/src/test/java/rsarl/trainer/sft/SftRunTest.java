package rsarl.trainer.sft;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.QwenModel;
import rsarl.model.QwenTokenizer;
import rsarl.trainer.TinyQwen;
import rsarl.trainer.config.SftConfig;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SFT of the tiny Qwen model: response-only tokens, falling loss, an HF checkpoint that loads again. */
class SftRunTest {
    @Test
    void encodesTheResponseAfterTheGenerationPrompt(@TempDir Path dir) throws IOException {
        Path model = TinyQwen.create(dir.resolve("m"), 1);
        try (QwenTokenizer tok = QwenTokenizer.load(model)) {
            int[][] pr = SftRun.encode(tok, null, new SftExample("2+2?", "4"));
            String prompt = tok.decode(pr[0]);
            String response = tok.decode(pr[1]);
            assertTrue(prompt.endsWith("<|im_start|>assistant\n"), prompt);
            assertTrue(prompt.contains("2+2?"), prompt);
            assertTrue(response.endsWith("4<|im_end|>"), response);
            assertEquals(tok.tokenId(QwenTokenizer.IM_END), pr[1][pr[1].length - 1]);
        }
    }

    @Test
    void lossFallsAndCheckpointLoads(@TempDir Path dir) throws IOException {
        Path model = TinyQwen.create(dir.resolve("m"), 2);
        Path data = dir.resolve("pairs.jsonl");
        Files.writeString(data, "{\"prompt\":\"color of the sky?\",\"response\":\"blue\"}\n"
                + "{\"prompt\":\"color of grass?\",\"response\":\"green\"}\n");
        Path f = dir.resolve("sft.yaml");
        Files.writeString(f, "model: " + model + "\noutput_dir: " + dir.resolve("out") + "\ndata:\n  train: " + data
                + "\nbatch_size: 2\nlearning_rate: 0.01\nlr_scheduler_type: constant\nmax_steps: 12\nsave_steps: 6\n");
        SftConfig cfg = SftConfig.load(f, List.of());
        assertEquals(12, SftRun.run(cfg, new PrintStream(OutputStream.nullOutputStream()), -1));
        List<String> lines = Files.readAllLines(dir.resolve("out/metrics.jsonl"));
        assertEquals(12, lines.size());
        ObjectMapper om = new ObjectMapper();
        double first = om.readTree(lines.get(0)).get("loss").asDouble();
        double last = om.readTree(lines.get(11)).get("loss").asDouble();
        assertTrue(last < 0.5 * first, "loss falls: " + first + " -> " + last);
        Path saved = dir.resolve("out/checkpoint-12/model");
        assertTrue(Files.isRegularFile(saved.resolve("tokenizer.json")), "tokenizer travels with the checkpoint");
        try (QwenModel m = QwenModel.load(saved)) {
            assertEquals(QwenModel.load(model).config(), m.config());
        }
    }
}
