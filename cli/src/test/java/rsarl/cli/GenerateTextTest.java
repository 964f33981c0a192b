package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.BpeTokenizerBuilder;
import rsarl.model.ChatMessage;
import rsarl.model.ChatTemplate;
import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.model.Generator;
import rsarl.model.LogProbs;
import rsarl.model.QwenModel;
import rsarl.model.QwenTokenizer;
import rsarl.model.SamplingParams;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rsarl.cli.CliRun.rsa;

/** {@code rsa generate/score} with text prompts (--prompt, --system, --raw, --stop) on a tiny random model. */
class GenerateTextTest {
    @TempDir
    static Path tmp;
    static Path model;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void tinyModel() {
        Path tok = tmp.resolve("tok");
        new BpeTokenizerBuilder(300).corpus(List.of("the cat sat on the mat", "what is 7 * 6? the answer is 42",
                "a dog ran in the park")).write(tok);
        model = tmp.resolve("m");
        CliRun init = rsa("init-model", "--preset", "tiny", "--tokenizer", tok.resolve("tokenizer.json").toString(),
                "--out", model.toString(), "--seed", "5");
        assertEquals(0, init.code(), init.err());
    }

    /** What the library gives for these ids: greedy, stopping on the tokenizer's eos ids. */
    private static Completion greedy(int[] ids, int maxNew, List<String> stop) {
        try (QwenModel m = QwenModel.load(model); QwenTokenizer tok = QwenTokenizer.load(model)) {
            SamplingParams p = new SamplingParams(0, 1, 0, 0, maxNew, tok.eosIds(), stop);
            return new Generator(m).withDetokenizer(tok::decode).generate(List.of(new GenerationRequest(ids, p, 0))).get(0);
        }
    }

    private static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).intValue();
        return out;
    }

    @Test
    void chatPromptIsTemplatedAndDecodedWithoutSpecials() throws Exception {
        CliRun r = rsa("generate", "--model", model.toString(), "--prompt", "what is 7 * 6?", "--system", "be brief",
                "--max-new-tokens", "10", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode o = JSON.readTree(r.out());
        try (QwenTokenizer tok = QwenTokenizer.load(model)) {
            int[] ids = tok.encode(ChatTemplate.render(List.of(ChatMessage.system("be brief"),
                    ChatMessage.user("what is 7 * 6?")), true));
            assertEquals(tok.tokenId("<|im_start|>"), ids[0]);
            Completion want = greedy(ids, 10, List.of());
            assertArrayEquals(want.tokenIds(), ints(o.get("token_ids")));
            assertEquals(want.tokenIds().length, o.get("logprobs").size());
            assertEquals(want.finishReason(), o.get("finish_reason").asText());
            assertEquals(tok.decode(want.tokenIds(), true), o.get("text").asText());
            assertFalse(o.get("text").asText().contains("<|im_end|>"));
        }
        // The system message is part of the prompt: without it the prompt (and so the reply's ids) differ.
        CliRun plain = rsa("generate", "--model", model.toString(), "--prompt", "what is 7 * 6?", "--max-new-tokens", "10",
                "--json");
        assertEquals(0, plain.code(), plain.err());
        try (QwenTokenizer tok = QwenTokenizer.load(model)) {
            int[] ids = tok.encode(ChatTemplate.render(List.of(ChatMessage.user("what is 7 * 6?")), true));
            assertArrayEquals(greedy(ids, 10, List.of()).tokenIds(), ints(JSON.readTree(plain.out()).get("token_ids")));
        }
    }

    @Test
    void rawTextPrintsTheContinuation() {
        CliRun r = rsa("generate", "--model", model.toString(), "--raw", "the cat sat", "--max-new-tokens", "6");
        assertEquals(0, r.code(), r.err());
        try (QwenTokenizer tok = QwenTokenizer.load(model)) {
            Completion want = greedy(tok.encode("the cat sat"), 6, List.of());
            assertEquals(tok.decode(want.tokenIds(), true) + System.lineSeparator(), r.out());
        }
    }

    @Test
    void sampledTextIsReproducibleBySeed() {
        String[] args = {"generate", "--model", model.toString(), "--raw", "a dog", "--max-new-tokens", "8",
                "--temperature", "1.2", "--top-p", "0.95", "--top-k", "50", "--min-p", "0.01", "--seed", "11", "--json"};
        CliRun a = rsa(args);
        assertEquals(0, a.code(), a.err());
        assertEquals(a.out(), rsa(args).out());
    }

    @Test
    void stopStringEndsGeneration() throws Exception {
        CliRun full = rsa("generate", "--model", model.toString(), "--raw", "the answer is", "--max-new-tokens", "12",
                "--json");
        assertEquals(0, full.code(), full.err());
        int[] all = ints(JSON.readTree(full.out()).get("token_ids"));
        assertTrue(all.length > 3, "precondition: the free run is longer than 3 tokens: " + full.out());
        String stop;
        try (QwenTokenizer tok = QwenTokenizer.load(model)) {
            stop = tok.decode(Arrays.copyOf(all, 3));
        }
        assertFalse(stop.isEmpty());
        CliRun r = rsa("generate", "--model", model.toString(), "--raw", "the answer is", "--max-new-tokens", "12",
                "--stop", "no such text", "--stop", stop, "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode o = JSON.readTree(r.out());
        int[] got = ints(o.get("token_ids"));
        assertTrue(got.length <= 3, r.out());
        assertArrayEquals(Arrays.copyOf(all, got.length), got);
        assertEquals("stop", o.get("finish_reason").asText());
    }

    @Test
    void scoreAcceptsRawText() throws Exception {
        CliRun r = rsa("score", "--model", model.toString(), "--raw", "the cat sat on the mat", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode lp = JSON.readTree(r.out()).get("token_logprobs");
        try (QwenModel m = QwenModel.load(model); QwenTokenizer tok = QwenTokenizer.load(model)) {
            float[] want = LogProbs.tokenLogprobs(m, tok.encode("the cat sat on the mat"));
            assertEquals(want.length, lp.size());
            for (int i = 0; i < want.length; i++) assertEquals(want[i], lp.get(i).floatValue(), 1e-6);
        }
    }

    @Test
    void promptFormsAreExclusiveAndNeedATokenizer() throws Exception {
        CliRun r = rsa("generate", "--model", model.toString(), "--input-ids", "5", "--raw", "hi");
        assertTrue(r.failedWithOneLine("exactly one of --input-ids, --prompt, --raw"), r.err());
        r = rsa("score", "--model", model.toString());
        assertTrue(r.failedWithOneLine("exactly one of"), r.err());
        r = rsa("generate", "--model", model.toString(), "--raw", "hi", "--max-new-tokens", "abc");
        assertEquals(2, r.code());
        assertTrue(r.failedWithOneLine("rsa generate: error:", "--max-new-tokens", "'abc'", "--help"), r.err());
        r = rsa("generate", "--model", model.toString(), "--raw", "hi", "--system", "s");
        assertTrue(r.failedWithOneLine("--system needs --prompt"), r.err());

        Path bare = Files.createDirectories(tmp.resolve("bare"));
        for (String f : new String[] {"config.json", "model.safetensors"}) Files.copy(model.resolve(f), bare.resolve(f));
        r = rsa("generate", "--model", bare.toString(), "--prompt", "hi");
        assertTrue(r.failedWithOneLine(bare.resolve("tokenizer.json").toString(), "not found", "--prompt"), r.err());
        r = rsa("generate", "--model", bare.toString(), "--input-ids", "5", "--stop", "x");
        assertTrue(r.failedWithOneLine("tokenizer.json", "--stop"), r.err());
        // Token ids alone still work without a tokenizer.
        CliRun ids = rsa("generate", "--model", bare.toString(), "--input-ids", "5,6", "--max-new-tokens", "2");
        assertEquals(0, ids.code(), ids.err());
        assertNotEquals("", ids.out().strip());
    }
}
