package rsarl.rewards;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonlReaderTest {
    @TempDir
    Path dir;

    @Test
    void streamsNonBlankLinesWithTheirNumbers() throws IOException {
        Path f = dir.resolve("a.jsonl");
        Files.writeString(f, "{\"a\": 1}\n\n   \n[2]\n\"x\"\n");
        List<String> seen = new ArrayList<>();
        JsonlReader.forEachLine(f, (n, node) -> seen.add(n + "=" + node));
        assertEquals(List.of("1={\"a\":1}", "4=[2]", "5=\"x\""), seen);
    }

    @Test
    void malformedLineNamesFileAndLine() throws IOException {
        Path f = dir.resolve("b.jsonl");
        Files.writeString(f, "{}\n\n{\"a\": \n{}\n");
        List<Integer> seen = new ArrayList<>();
        JsonlReader.MalformedLineException e = assertThrows(JsonlReader.MalformedLineException.class,
                () -> JsonlReader.forEachLine(f, (n, node) -> seen.add(n)));
        assertTrue(e.getMessage().startsWith(f + ":3: malformed JSON: "), e.getMessage());
        assertEquals(f, e.file());
        assertEquals(3, e.lineNo());
        assertEquals(List.of(1), seen, "lines before the bad one were handed over");
    }

    @Test
    void theMessageHasNoParserCodesOrSourceLocations() throws IOException {
        Path f = dir.resolve("c.jsonl");
        Files.writeString(f, "{not json}\n");
        JsonlReader.MalformedLineException e = assertThrows(JsonlReader.MalformedLineException.class,
                () -> JsonlReader.forEachLine(f, (n, node) -> { }));
        assertEquals(f + ":1: malformed JSON: Unexpected character ('n'): was expecting double-quote to start field name",
                e.getMessage());
        assertTrue(!e.getMessage().contains("Source") && !e.getMessage().contains("column"), e.getMessage());
    }

    @Test
    void handlerExceptionsAndMissingFilesPassThrough() throws IOException {
        Path f = dir.resolve("c.jsonl");
        Files.writeString(f, "{}\n");
        IOException mine = new IOException("mine");
        assertSame(mine, assertThrows(IOException.class, () -> JsonlReader.forEachLine(f, (n, node) -> {
            throw mine;
        })));
        assertThrows(NoSuchFileException.class, () -> JsonlReader.forEachLine(dir.resolve("nope.jsonl"), (n, node) -> {
        }));
    }
}
