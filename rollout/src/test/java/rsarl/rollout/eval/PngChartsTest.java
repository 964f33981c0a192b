package rsarl.rollout.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A plot that cannot be drawn is a warning, never a failed run; a file-system error stays an error. */
class PngChartsTest {
    @TempDir
    Path dir;

    private String stderrOf(Runnable r) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void missingFontLibraryWarnsAndLeavesNothingBehind() throws IOException {
        Path png = dir.resolve("accuracy.png");
        boolean[] drawn = {true};
        String err = stderrOf(() -> drawn[0] = PngCharts.save(png, tmp -> {
            Files.writeString(tmp, "half a png");
            throw new UnsatisfiedLinkError("libfontmanager.so: libharfbuzz.so.0: cannot open shared object file");
        }));
        assertFalse(drawn[0]);
        assertTrue(err.contains("accuracy.png not drawn") && err.contains("libharfbuzz.so.0"), err);
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void aFileSystemErrorIsStillAnError() throws IOException {
        Path blocker = dir.resolve("file");
        Files.writeString(blocker, "x");
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> PngCharts.save(blocker.resolve("plot.png"), tmp -> Files.writeString(tmp, "png")));
        assertTrue(e.getMessage().contains("plot.png: cannot write plot"), e.getMessage());
    }

    private static SeedStats stat(int step, SeedStats.Stat s) {
        return new SeedStats(step, 2, s, s, s, s, s, s, s);
    }

    @Test
    void aRealPlotIsWrittenAtomically() throws IOException {
        Path png = dir.resolve("sub/accuracy.png");
        SeedStats.Stat s = new SeedStats.Stat(0.5, 0.1);
        assertTrue(AccuracyPlot.write(png, List.of(stat(1, s), stat(2, s)), "t"));
        byte[] head = new byte[4];
        System.arraycopy(Files.readAllBytes(png), 0, head, 0, 4);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, head);
        try (var files = Files.list(png.getParent())) {
            assertEquals(1, files.count());
        }
    }
}
