package rsarl.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rsarl.cli.sweep.SweepConfig;
import rsarl.cli.sweep.SweepPlan;
import rsarl.cli.sweep.SweepPlot;
import rsarl.cli.sweep.SweepResults;
import rsarl.cli.sweep.SweepRunner;
import rsarl.cli.sweep.SweepSummary;
import rsarl.rewards.Problem;
import rsarl.rewards.Verifier;
import rsarl.rollout.backend.BackendFactory;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/** {@code rsa sweep --config SWEEP.yaml [--dry-run]}: a grid of eval or train runs over seeds, then a summary. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Run every cell of a grid of config overrides (x seeds) with rsa eval, rsa train or train+eval,"
                + " and write summary.csv, summary.md and summary.png under output_dir. Rerun to resume a killed sweep.")
public final class SweepCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "SWEEP.yaml", description = "sweep config file")
    Path config;

    @Option(names = "--dry-run", description = "list the runs (and whether each is done) without running anything")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    private final Function<String, Verifier> verifiers;
    private final Function<Path, List<Problem>> problemReader;
    private final BackendFactory backends;

    public SweepCommand() {
        this(Wiring.verifiers(), Wiring.problemReader(), Wiring.backends());
    }

    public SweepCommand(Function<String, Verifier> verifiers, Function<Path, List<Problem>> problemReader,
                        BackendFactory backends) {
        this.verifiers = verifiers;
        this.problemReader = problemReader;
        this.backends = backends;
    }

    @Override
    public Integer call() throws Exception {
        SweepConfig cfg = SweepConfig.load(config);
        SweepPlan plan = SweepPlan.of(cfg);
        SweepRunner runner = new SweepRunner(plan, verifiers, problemReader, backends, System.err);
        List<SweepRunner.Prepared> runs = runner.prepare();
        PrintWriter out = spec.commandLine().getOut();
        if (dryRun) {
            out.println(plan.cells().size() + " cells x " + (runs.size() / plan.cells().size()) + " seeds = "
                    + runs.size() + " runs of rsa " + cfg.command() + " (" + cfg.base() + "):");
            for (SweepRunner.Prepared p : runs) {
                out.println("  " + p.run().dir() + "  " + (p.finished() ? "done" : "to run") + "  "
                        + String.join(" ", p.run().cell().overrides()) + " seed=" + p.run().seed());
            }
            out.flush();
            return 0;
        }
        Map<String, String> failed = runner.run(runs);
        SweepResults results = SweepResults.read(plan);
        SweepSummary.write(plan, results, cfg.outputDir());
        SweepPlot.write(plan, results, cfg.outputDir().resolve(SweepSummary.PNG));
        out.println("sweep: " + (runs.size() - failed.size()) + " of " + runs.size() + " runs done; wrote "
                + cfg.outputDir().resolve(SweepSummary.CSV) + ", " + SweepSummary.MD + ", " + SweepSummary.PNG);
        out.flush();
        if (!failed.isEmpty()) {
            throw new IllegalStateException(failed.size() + " run(s) failed (" + String.join(", ", failed.keySet())
                    + "); rerun to retry them");
        }
        return 0;
    }
}
