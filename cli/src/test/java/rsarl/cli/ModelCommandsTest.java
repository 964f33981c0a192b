package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.GenerationRequest;
import rsarl.model.Generator;
import rsarl.model.LogProbs;
import rsarl.model.QwenModel;
import rsarl.model.SamplingParams;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelCommandsTest {
    @TempDir
    Path tmp;

    private static CliRun rsa(String... args) {
        return CliRun.rsa(args);
    }

    /** A minimal tokenizer.json: 200 byte-ish tokens plus Qwen's specials as added tokens. */
    private Path tokenizer() throws Exception {
        StringBuilder vocab = new StringBuilder();
        for (int i = 0; i < 200; i++) vocab.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":").append(i);
        String json = "{\"model\":{\"type\":\"BPE\",\"vocab\":{" + vocab + "},\"merges\":[]},"
                + "\"added_tokens\":[{\"id\":200,\"content\":\"<|endoftext|>\",\"special\":true},"
                + "{\"id\":201,\"content\":\"<|im_start|>\",\"special\":true},"
                + "{\"id\":202,\"content\":\"<|im_end|>\",\"special\":true}]}";
        Path dir = Files.createDirectories(tmp.resolve("tok"));
        Files.writeString(dir.resolve("tokenizer.json"), json);
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\":\"<|im_end|>\"}");
        return dir.resolve("tokenizer.json");
    }

    @Test
    void initScoreAndGenerate() throws Exception {
        Path out = tmp.resolve("m");
        CliRun init = rsa("init-model", "--preset", "tiny", "--tokenizer", tokenizer().toString(), "--out", out.toString(),
                "--seed", "3");
        assertEquals(0, init.code(), init.err());
        assertTrue(Files.exists(out.resolve("tokenizer.json")) && Files.exists(out.resolve("tokenizer_config.json")));
        ObjectMapper json = new ObjectMapper();
        JsonNode cfg = json.readTree(out.resolve("config.json").toFile());
        assertEquals(203, cfg.get("vocab_size").intValue());
        assertEquals(List.of(202, 200), List.of(cfg.get("eos_token_id").get(0).intValue(), cfg.get("eos_token_id").get(1).intValue()));

        CliRun score = rsa("score", "--model", out.toString(), "--input-ids", "5,17,42,7", "--json");
        assertEquals(0, score.code(), score.err());
        JsonNode lp = json.readTree(score.out()).get("token_logprobs");
        assertEquals(3, lp.size());

        CliRun gen = rsa("generate", "--model", out.toString(), "--input-ids", "5,17,42", "--max-new-tokens", "8",
                "--temperature", "0", "--json");
        assertEquals(0, gen.code(), gen.err());
        JsonNode g = json.readTree(gen.out());
        try (QwenModel m = QwenModel.load(out)) {
            float[] want = LogProbs.tokenLogprobs(m, new int[] {5, 17, 42, 7});
            for (int i = 0; i < 3; i++) assertEquals(want[i], lp.get(i).floatValue(), 1e-6);
            int[] greedy = new Generator(m).generate(List.of(new GenerationRequest(new int[] {5, 17, 42},
                    SamplingParams.greedy(8), 0))).get(0).tokenIds();
            int[] got = new int[g.get("token_ids").size()];
            for (int i = 0; i < got.length; i++) got[i] = g.get("token_ids").get(i).intValue();
            assertArrayEquals(greedy, got);
            assertEquals(got.length, g.get("logprobs").size());
        }

        CliRun bench = rsa("bench-generate", "--model", out.toString(), "--batch", "2", "--prompt", "4", "--new", "3");
        assertEquals(0, bench.code(), bench.err());
        JsonNode b = json.readTree(bench.out());
        assertEquals(2, b.get("batch").intValue());
        assertTrue(b.get("prefill_ms").doubleValue() > 0 && b.get("matmul_fp32_gflops").doubleValue() > 0, bench.out());
        assertTrue(b.has("decode_tokens_per_s"), bench.out());
        assertTrue(b.get("decode_cpu_tokens_per_s").doubleValue() > 0
                && b.get("prefill_cpu_tokens_per_s").doubleValue() > 0, bench.out());

        CliRun sampled = rsa("generate", "--model", out.toString(), "--input-ids", "5", "--max-new-tokens", "5",
                "--temperature", "0.8", "--top-p", "0.9", "--top-k", "20", "--min-p", "0.01", "--seed", "9", "--json");
        assertEquals(0, sampled.code(), sampled.err());
        assertEquals(sampled.out(), rsa("generate", "--model", out.toString(), "--input-ids", "5", "--max-new-tokens", "5",
                "--temperature", "0.8", "--top-p", "0.9", "--top-k", "20", "--min-p", "0.01", "--seed", "9", "--json").out());
    }

    @Test
    void badInputsGiveOneLineErrors() throws Exception {
        Path out = tmp.resolve("m2");
        assertEquals(0, rsa("init-model", "--preset", "tiny", "--tokenizer", tokenizer().toString(), "--out", out.toString()).code());
        CliRun r = rsa("generate", "--model", out.toString(), "--input-ids", "5,999", "--json");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("token id 999 is outside") && r.err().strip().lines().count() == 1, r.err());
        r = rsa("score", "--model", out.toString(), "--input-ids", "5,x");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--input-ids"), r.err());
        r = rsa("score", "--model", tmp.resolve("nope").toString(), "--input-ids", "5,6");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("config.json"), r.err());
        r = rsa("score", "--model", out.toString(), "--input-ids", "5,6", "--device", "tpu");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown device 'tpu'"), r.err());
        CliRun half = rsa("score", "--model", out.toString(), "--input-ids", "5,6,7", "--dtype", "fp16", "--json");
        assertEquals(0, half.code(), half.err());
        r = rsa("init-model", "--preset", "huge", "--tokenizer", tokenizer().toString(), "--out", tmp.resolve("x").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown preset"), r.err());
    }
}
