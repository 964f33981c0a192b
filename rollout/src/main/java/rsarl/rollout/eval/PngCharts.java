package rsarl.rollout.eval;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

import java.awt.AWTError;
import java.awt.HeadlessException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a chart as a PNG next to results that are already on disk. A plot is a convenience: where this Java cannot
 * draw text (a server or container whose JRE lacks its font libraries, e.g. {@code libharfbuzz.so.0}), the run
 * warns once and goes on instead of failing after hours of generation with its metrics written.
 */
public final class PngCharts {
    /** Renders a chart into a file. */
    @FunctionalInterface
    public interface Renderer {
        void render(Path file) throws IOException;
    }

    private PngCharts() {
    }

    /** {@link #save(Path, Renderer)} of an XChart chart. */
    public static boolean save(Chart<?, ?> chart, Path file) {
        return save(file, tmp -> BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG));
    }

    /**
     * Renders into a temporary sibling and moves it over {@code file}; returns false, with one warning line on stderr
     * and nothing left behind, where Java's graphics stack is unusable. A file-system error is still an error.
     */
    public static boolean save(Path file, Renderer renderer) {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp.png");
        System.setProperty("java.awt.headless", "true");
        try {
            if (abs.getParent() != null) Files.createDirectories(abs.getParent());
            renderer.render(tmp);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            return true;
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException(file + ": cannot write plot: " + AtomicFiles.reason(e), e);
        } catch (LinkageError | AWTError | HeadlessException | InternalError e) {
            // LinkageError: a missing native font library (UnsatisfiedLinkError), or the font manager that failed
            // to initialise before (NoClassDefFoundError); InternalError: fontconfig without fonts
            deleteQuietly(tmp);
            System.err.println("warning: " + file.getFileName() + " not drawn: this Java cannot render text ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + "); the other outputs are complete");
            return false;
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the render failed already; a leftover temporary is the lesser problem
        }
    }
}
