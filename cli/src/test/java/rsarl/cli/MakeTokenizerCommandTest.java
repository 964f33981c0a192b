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
