package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * models/tiny, the shipped first-run model, is what scripts/make-tiny-model.sh recorded: the same greedy answers
 * (text and token ids, log-probs to 1e-4) to the held-out questions in its recorded.jsonl, and it is a trained model,
 * not a random one (it writes the answer format it was fine-tuned on).
 */
class TinyModelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path MODEL = Path.of("..", "models", "tiny");

    @Test
    void greedyAnswersMatchTheRecordedOnes() throws IOException {
        List<String> lines = Files.readAllLines(MODEL.resolve("recorded.jsonl"));
        assertEquals(4, lines.size());
        for (String line : lines) {
            JsonNode rec = JSON.readTree(line);
            PrintStream old = System.out;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            try {
                assertEquals(0, Rsa.run("generate", "--model", MODEL.toString(), "--prompt", rec.get("prompt").asText(),
                        "--max-new-tokens", "40", "--temperature", "0", "--json"));
            } finally {
                System.setOut(old);
            }
            JsonNode got = JSON.readTree(out.toString(StandardCharsets.UTF_8).strip());
            JsonNode want = rec.get("output");
            assertEquals(want.get("text"), got.get("text"), rec.get("prompt").asText());
            assertEquals(want.get("token_ids"), got.get("token_ids"));
            for (int i = 0; i < want.get("logprobs").size(); i++) {
                assertEquals(want.get("logprobs").get(i).asDouble(), got.get("logprobs").get(i).asDouble(), 1e-4);
            }
            assertTrue(got.get("text").asText().matches("(?s).*\\n<answer>-?\\d+</answer>"), got.get("text").asText());
        }
    }
}
