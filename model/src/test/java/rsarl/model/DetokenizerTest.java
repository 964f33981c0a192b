package rsarl.model;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DetokenizerTest {
    @TempDir
    static Path tmp;
    private static QwenTokenizer tok;

    @BeforeAll
    static void build() {
        tok = QwenTokenizer.load(new BpeTokenizerBuilder(512).write(tmp).dir());
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    /** Streams the ids one by one; checks no partial character escapes and that the pieces add up. */
    static int streamAndCheck(QwenTokenizer t, String text) {
        int[] ids = t.encode(text);
        Detokenizer d = new Detokenizer(t);
        StringBuilder seen = new StringBuilder();
        int heldBack = 0;
        for (int id : ids) {
            String delta = d.append(id);
            assertFalse(delta.contains("\uFFFD"), () -> "partial character released for " + text);
            heldBack += delta.isEmpty() ? 1 : 0;
            seen.append(delta);
            assertEquals(seen.toString(), d.text());
        }
        assertEquals("", d.flush());
        assertEquals(text, seen.toString());
        assertEquals(ids.length, d.size());
        return heldBack;
    }

    @Test
    void multiByteCharactersAreReleasedWhole() {
        // With 512 tokens, emoji and CJK are split into single-byte tokens.
        int held = streamAndCheck(tok, "Answer: 42 😀 世界 𠜎 <|im_end|> é\n");
        assertTrue(held >= 3 + 2 * 2 + 3, "expected the pieces of multi-byte characters to be held, got " + held);
        streamAndCheck(tok, "<|im_start|>assistant\n<think>\nplain ascii\n</think>\n\nDone.<|im_end|>");
    }

    @Test
    void flushReleasesAnIncompleteTail() {
        int[] ids = tok.encode("a😀");
        Detokenizer d = new Detokenizer(tok);
        String released = "";
        for (int id : Arrays.copyOf(ids, ids.length - 1)) {
            released += d.append(id);
        }
        assertEquals("a", released);
        String tail = d.flush();
        assertTrue(tail.startsWith("\uFFFD"), tail);
        assertEquals("a" + tail, d.text());
        assertEquals("", d.flush());
    }

    @Test
    void worksWithTheRealQwenTokenizer() {
        try (QwenTokenizer qwen = QwenTokenizer.load(QwenTokenizerFixture.dir())) {
            int held = streamAndCheck(qwen, "𠜎 is rare; 😀👍🏽🇯🇵 are emoji. Привет, 世界!");
            assertTrue(held >= 2, "the rare character spans three tokens");
        }
    }
}
