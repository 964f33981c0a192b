package rsarl.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.QwenTokenizer;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MakeTokenizerCommandTest {
    @TempDir
    Path tmp;

    @Test
    void writesALoadableTokenizer() {
        Path out = tmp.resolve("tok");
        assertEquals(0, Rsa.run("make-tokenizer", "--out", out.toString(), "--vocab-size", "400"));
        assertTrue(Files.isRegularFile(out.resolve("tokenizer_config.json")));
        try (QwenTokenizer tok = QwenTokenizer.load(out)) {
            assertEquals(400, tok.vocabSize());
            assertEquals(397, tok.tokenId("<|im_end|>"));
            String text = "<|im_start|>user\nWhat is 7 * 6?<|im_end|>\n";
            assertEquals(text, tok.decode(tok.encode(text)));
        }
    }

    @Test
    void corpusExtraMakesItsTextsShort() throws Exception {
        String text = "Study them, combine their useful ideas, and where they disagree work out which reasoning is right.";
        Path extra = tmp.resolve("extra.jsonl");
        Files.writeString(extra, ("{\"prompt\": \"" + text + "\", \"n\": 3}\n").repeat(50) + text + "\n");
        Path plain = tmp.resolve("plain");
        Path tuned = tmp.resolve("tuned");
        assertEquals(0, Rsa.run("make-tokenizer", "--out", plain.toString()));
        assertEquals(0, Rsa.run("make-tokenizer", "--out", tuned.toString(), "--corpus-extra", extra.toString()));
        try (QwenTokenizer a = QwenTokenizer.load(plain); QwenTokenizer b = QwenTokenizer.load(tuned)) {
            assertTrue(b.encode(text).length < a.encode(text).length,
                    b.encode(text).length + " vs " + a.encode(text).length);
            assertEquals(text, b.decode(b.encode(text)));
        }
    }

    @Test
    void corpusExtraWithBadJsonNamesFileAndLine() throws Exception {
        Path extra = tmp.resolve("bad.jsonl");
        Files.writeString(extra, "plain line\n{\"prompt\": \n");
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Rsa.run("make-tokenizer", "--out", tmp.resolve("t").toString(), "--corpus-extra", extra.toString());
        } finally {
            System.setErr(old);
        }
        String msg = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, code, msg);
        assertTrue(msg.contains("bad.jsonl") && msg.contains("line 2"), msg);
    }

    @Test
    void badVocabSizeFailsWithOneLineNamingTheOption() {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Rsa.run("make-tokenizer", "--out", tmp.resolve("bad").toString(), "--vocab-size", "10");
        } finally {
            System.setErr(old);
        }
        String msg = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, code, msg);
        assertTrue(msg.contains("--vocab-size") && msg.contains("10"), msg);
        assertFalse(Files.exists(tmp.resolve("bad")));
    }
}
