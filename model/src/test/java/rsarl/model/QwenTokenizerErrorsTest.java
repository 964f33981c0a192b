package rsarl.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QwenTokenizerErrorsTest {
    @TempDir
    Path dir;

    @Test
    void missingFileIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QwenTokenizer.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve("tokenizer.json").toString()), e.getMessage());
    }

    @Test
    void malformedJsonIsNamedWithLine() throws Exception {
        Path f = dir.resolve("tokenizer.json");
        Files.writeString(f, "{\n \"model\": {\"vocab\": {\"a\": 0,,}}\n}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QwenTokenizer.load(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void jsonWithoutModelIsRejected() throws Exception {
        Path f = dir.resolve("tokenizer.json");
        Files.writeString(f, "{\"version\": \"1.0\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QwenTokenizer.load(dir));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }
}
