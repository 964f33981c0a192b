package rsarl.trainer.loop;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar with ETA on stderr: {@code [#####.....] 12/100 12% 3.1s/step ETA 4m32s loss=...}.
 * The rate counts only steps done in this process, so a resumed run's ETA is not skewed by the restored steps.
 * Without a console it prints a plain line per update instead of redrawing.
 */
public final class ProgressBar {
    private static final int WIDTH = 24;
    private final long total;
    private final long startStep;
    private final long startNanos;
    private final PrintStream out;
    private final boolean redraw;

    public ProgressBar(long total, long startStep, PrintStream out, boolean redraw) {
        this.total = total;
        this.startStep = startStep;
        this.startNanos = System.nanoTime();
        this.out = out;
        this.redraw = redraw;
    }

    public static ProgressBar stderr(long total, long startStep) {
        return new ProgressBar(total, startStep, System.err, System.console() != null);
    }

    public void update(long step, String suffix) {
        out.print(render(step, (System.nanoTime() - startNanos) / 1e9, suffix) + (redraw ? "\r" : "\n"));
        if (step >= total && redraw) {
            out.println();
        }
        out.flush();
    }

    /** The line for {@code step} after {@code elapsed} seconds of this process. */
    String render(long step, double elapsed, String suffix) {
        int filled = (int) (WIDTH * Math.min(1.0, (double) step / total));
        long done = step - startStep;
        double perStep = done > 0 ? elapsed / done : Double.NaN;
        String eta = done > 0 ? duration(perStep * (total - step)) : "?";
        return String.format(Locale.ROOT, "[%s%s] %d/%d %3d%% %s/step ETA %s%s", "#".repeat(filled),
                ".".repeat(WIDTH - filled), step, total, (int) (100 * step / total),
                done > 0 ? String.format(Locale.ROOT, "%.2fs", perStep) : "?", eta,
                suffix == null || suffix.isEmpty() ? "" : " " + suffix);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        if (s >= 60) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return s + "s";
    }
}
