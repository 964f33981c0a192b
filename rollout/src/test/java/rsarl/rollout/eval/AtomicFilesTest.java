package rsarl.rollout.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class AtomicFilesTest {

    @Test
    void writesLinesIntoAMissingFolderAndLeavesNoTempFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("a/b/out.jsonl");
        AtomicFiles.writeLines(file, List.of("{\"x\":1}", "{\"x\":2}"));
        assertEquals("{\"x\":1}\n{\"x\":2}\n", Files.readString(file));
        AtomicFiles.writeLines(file, List.of());
        assertEquals("", Files.readString(file));
        assertFalse(Files.exists(dir.resolve("a/b/out.jsonl.tmp")));
    }

    @Test
    void aFailedWriteNamesTheFileNotItsTempSibling(@TempDir Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("blocker"), "a file where a folder should be");
        Path target = dir.resolve("blocker").resolve("metrics.jsonl");
        java.io.UncheckedIOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.UncheckedIOException.class,
                () -> AtomicFiles.write(target, "x"));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith(target + ": cannot write: "), e.getMessage());
        org.junit.jupiter.api.Assertions.assertFalse(e.getMessage().contains(".tmp"), e.getMessage());
    }
}
