package rsarl.rollout.eval;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import rsarl.rollout.rsa.Generation;
import rsarl.rollout.rsa.RsaLoop;
import rsarl.rollout.rsa.StateMetrics;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar on stderr per seed: requests done out of all states' requests, with the current
 * state and the last state's accuracy as its message.
 */
public final class ConsoleProgress implements RsaLoop.Listener, AutoCloseable {
    private final PrintStream out;
    private ProgressBar bar;
    private Long seed;
    private int steps;

    public ConsoleProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public synchronized void stateStarted(long seed, int step, int steps, int requests, int reused) {
        if (this.seed == null || this.seed != seed) {
            close();
            // A fixed width keeps the library from probing the terminal (stderr may be a file or a pipe).
            bar = new ProgressBarBuilder().setTaskName("seed " + seed).setInitialMax((long) requests * steps)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000)
                    .setConsumer(new ConsoleProgressBarConsumer(out, 110)).build();
            this.seed = seed;
        }
        this.steps = steps;
        bar.setExtraMessage("state " + step + "/" + steps);
        bar.stepBy(reused);
    }

    @Override
    public synchronized void generated(Generation generation) {
        bar.step();
    }

    @Override
    public synchronized void stateFinished(StateMetrics m) {
        bar.setExtraMessage(String.format(Locale.ROOT, "state %d/%d pass@1 %.3f maj %.3f", m.step(), steps, m.pass1(),
                m.majority()));
    }

    @Override
    public synchronized void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
