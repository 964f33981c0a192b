package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.math3.stat.descriptive.SummaryStatistics;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rsarl.rewards.JsonlReader;
import rsarl.rollout.eval.AtomicFiles;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code rsa demo-report} (hidden, used by scripts/demo.sh): reads the summary.json of several {@code rsa eval}
 * runs, prints one table row per model (pass@1 at state 1 and state T, majority at T, the RSA gain with its standard
 * error over problems from generations.jsonl), then the differences of the RSA gains between every two models,
 * paired over the problems both solved (same problems, same eval seed: the problem-to-problem spread cancels), then
 * how each model's aggregation calls used their candidates ({@link AggregatorStats}), and writes the tables as
 * Markdown plus one plot comparing every model's pass@1 over the population states.
 */
@Command(name = "demo-report", hidden = true, mixinStandardHelpOptions = true,
        description = "Compare rsa eval runs: table (stdout and --markdown) and pass@1-per-state plot (--plot).")
final class DemoReportCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Color[] COLORS = {new Color(31, 119, 180), new Color(214, 39, 40), new Color(44, 160, 44),
            new Color(148, 103, 189), new Color(255, 127, 14)};

    @Option(names = "--run", required = true, paramLabel = "LABEL=DIR",
            description = "an eval output directory (holding summary.json) and its label; repeatable, in table order")
    List<String> runs;

    @Option(names = "--markdown", paramLabel = "FILE", description = "also write the table as Markdown")
    Path markdown;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "write pass@1 (solid) and majority (dashed) per state")
    Path plot;

    @Option(names = "--title", defaultValue = "RSA on the demo task", description = "plot and table title")
    String title;

    @Spec
    CommandSpec spec;

    /**
     * One model's curve: pass@1 and majority per population state (index 0 = state 1), and the pass@1 gain from
     * state 1 to state T of each problem (averaged over eval seeds; empty without generations.jsonl), and how its
     * aggregation calls used their candidates (null without generations.jsonl or aggregation calls).
     */
    record Curve(String label, Path dir, double[] steps, double[] pass1, double[] majority, double[] passN,
            Map<String, Double> problemGains, AggregatorStats aggregator) {
        /**
         * Standard error over problems of the mean gain: how far the RSA gain could move with other
         * problems of the same kind. NaN with fewer than two problems (or without generations.jsonl).
         */
        double gainStdErr() {
            return stats(problemGains.values()).stdErr();
        }

        double first(double[] xs) {
            return xs[0];
        }

        double last(double[] xs) {
            return xs[xs.length - 1];
        }
    }

    @Override
    public Integer call() throws IOException {
        List<Curve> curves = new ArrayList<>();
        for (String run : runs) {
            int eq = run.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--run " + run + ": expected LABEL=DIR");
            }
            curves.add(read(run.substring(0, eq), Path.of(run.substring(eq + 1))));
        }
        String table = table(curves);
        spec.commandLine().getOut().print(table);
        spec.commandLine().getOut().flush();
        if (markdown != null) {
            AtomicFiles.write(markdown, "# " + title + "\n\n" + table);
        }
        if (plot != null) {
            plot(curves, plot, title);
        }
        return 0;
    }

    static Curve read(String label, Path dir) throws IOException {
        Path file = dir.resolve("summary.json");
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": not found (did rsa eval finish?)");
        }
        JsonNode states = root.path("states");
        if (!states.isArray() || states.isEmpty()) {
            throw new IllegalArgumentException(file + ": no 'states'");
        }
        int n = states.size();
        double[] steps = new double[n];
        double[] p1 = new double[n];
        double[] maj = new double[n];
        double[] pn = new double[n];
        for (int i = 0; i < n; i++) {
            JsonNode s = states.get(i);
            steps[i] = s.path("step").asDouble(i + 1);
            p1[i] = mean(s, "pass@1", file);
            maj[i] = mean(s, "majority", file);
            pn[i] = mean(s, "pass@n", file);
        }
        Path generations = dir.resolve("generations.jsonl");
        return new Curve(label, dir, steps, p1, maj, pn, problemGains(generations, (int) steps[0], (int) steps[n - 1]),
                AggregatorStats.read(generations));
    }

    /**
     * Each problem's {@code mean score at state last - mean score at state first}, averaged over the eval seeds: the
     * seeds of one problem share its difficulty, so they are not independent samples, and the standard errors are
     * over problems. Empty without the file.
     */
    static Map<String, Double> problemGains(Path generations, int first, int last) throws IOException {
        Map<String, Double> gains = new LinkedHashMap<>();
        if (!Files.exists(generations)) {
            return gains;
        }
        Map<String, double[]> sums = new LinkedHashMap<>(); // problem@seed -> {sum1, n1, sumT, nT}
        JsonlReader.forEachLine(generations, (lineNo, g) -> {
            int step = g.path("step").asInt();
            if (step == first || step == last) {
                double[] acc = sums.computeIfAbsent(g.path("problem_id").asText() + "@" + g.path("seed").asText(),
                        k -> new double[4]);
                int at = step == first ? 0 : 2;
                acc[at] += g.path("score").asDouble();
                acc[at + 1]++;
            }
        });
        Map<String, double[]> perProblem = new LinkedHashMap<>(); // problem -> {sum of seed gains, seeds}
        sums.forEach((key, acc) -> {
            if (acc[1] > 0 && acc[3] > 0) {
                double[] p = perProblem.computeIfAbsent(key.substring(0, key.lastIndexOf('@')), k -> new double[2]);
                p[0] += acc[2] / acc[3] - acc[0] / acc[1];
                p[1]++;
            }
        });
        perProblem.forEach((problem, p) -> gains.put(problem, p[0] / p[1]));
        return gains;
    }

    /** A mean over problems with its standard error (NaN for fewer than two problems). */
    record Estimate(double mean, double stdErr, long problems) {}

    static Estimate stats(Iterable<Double> values) {
        SummaryStatistics stats = new SummaryStatistics();
        values.forEach(stats::addValue);
        long n = stats.getN();
        return new Estimate(stats.getMean(), n < 2 ? Double.NaN : stats.getStandardDeviation() / Math.sqrt(n), n);
    }

    /**
     * {@code gain(a) - gain(b)} paired over the problems both runs have; null when fewer than two problems are shared
     * (no generations.jsonl, or different problem sets).
     */
    static Estimate pairedGainDifference(Curve a, Curve b) {
        List<Double> diffs = new ArrayList<>();
        a.problemGains().forEach((key, gain) -> {
            Double other = b.problemGains().get(key);
            if (other != null) {
                diffs.add(gain - other);
            }
        });
        return diffs.size() < 2 ? null : stats(diffs);
    }

    private static double mean(JsonNode state, String key, Path file) {
        JsonNode v = state.path(key).path("mean");
        if (!v.isNumber()) {
            throw new IllegalArgumentException(file + ": state " + state.path("step").asText("?") + " has no " + key + ".mean");
        }
        return v.asDouble();
    }

    /** The Markdown table: model | pass@1 state 1 | pass@1 state T | majority state T | pass@N state T | gain. */
    static String table(List<Curve> curves) {
        int t = (int) curves.get(0).last(curves.get(0).steps());
        StringBuilder sb = new StringBuilder();
        sb.append("| model | pass@1 state 1 | pass@1 state ").append(t).append(" | majority state 1 | majority state ")
                .append(t).append(" | pass@N state ").append(t).append(" | RSA gain (pass@1) | ± s.e. |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Curve c : curves) {
            String se = Double.isNaN(c.gainStdErr()) ? "n/a" : String.format(Locale.ROOT, "%.3f", c.gainStdErr());
            sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %+.3f | %s |%n", c.label(),
                    c.first(c.pass1()), c.last(c.pass1()), c.first(c.majority()), c.last(c.majority()),
                    c.last(c.passN()), c.last(c.pass1()) - c.first(c.pass1()), se));
        }
        StringBuilder pairs = new StringBuilder();
        for (int i = 1; i < curves.size(); i++) {
            for (int j = 0; j < i; j++) {
                Estimate d = pairedGainDifference(curves.get(i), curves.get(j));
                if (d != null) {
                    String z = d.stdErr() > 0 ? String.format(Locale.ROOT, "%.1f", d.mean() / d.stdErr()) : "n/a";
                    pairs.append(String.format(Locale.ROOT, "| %s - %s | %+.3f | %.3f | %s | %d |%n",
                            curves.get(i).label(), curves.get(j).label(), d.mean(), d.stdErr(), z, d.problems()));
                }
            }
        }
        if (!pairs.isEmpty()) {
            sb.append("\n| difference of RSA gains (paired over problems) | gain difference | ± s.e. | z | problems |\n");
            sb.append("|---|---:|---:|---:|---:|\n").append(pairs);
        }
        StringBuilder agg = new StringBuilder();
        for (Curve c : curves) {
            AggregatorStats a = c.aggregator();
            if (a != null) {
                StringBuilder positions = new StringBuilder();
                for (double m : a.positionMatch()) {
                    positions.append(positions.isEmpty() ? "" : "/").append(share(m));
                }
                agg.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %d | %s |%n", c.label(), a.mixed(),
                        share(a.mixedRight()), share(a.randomPick()), positions.isEmpty() ? "n/a" : positions,
                        a.noneRight(), share(a.noneRightRight())));
            }
        }
        if (!agg.isEmpty()) {
            sb.append("\n| aggregation calls (").append(t == 2 ? "state 2" : "states 2-" + t).append(") | right and "
                    + "wrong candidates | answered right | a random pick | answer = candidate 1/2/... | no right "
                    + "candidate | answered right |\n");
            sb.append("|---|---:|---:|---:|---|---:|---:|\n").append(agg);
        }
        return sb.toString();
    }

    /** A share with three decimals, or n/a when there were no such calls. */
    private static String share(double x) {
        return Double.isNaN(x) ? "n/a" : String.format(Locale.ROOT, "%.3f", x);
    }

    static void plot(List<Curve> curves, Path file, String title) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title)
                .xAxisTitle("population state (step)").yAxisTitle("accuracy").build();
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0).setLegendPosition(Styler.LegendPosition.InsideSE)
                .setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisDecimalPattern("0");
        for (int i = 0; i < curves.size(); i++) {
            Curve c = curves.get(i);
            Color color = COLORS[i % COLORS.length];
            XYSeries p1 = chart.addSeries(c.label() + " pass@1", c.steps(), c.pass1());
            p1.setLineColor(color);
            p1.setMarkerColor(color);
            p1.setMarker(SeriesMarkers.CIRCLE);
            XYSeries maj = chart.addSeries(c.label() + " majority", c.steps(), c.majority());
            maj.setLineColor(color);
            maj.setMarkerColor(color);
            maj.setMarker(SeriesMarkers.NONE);
            maj.setLineStyle(SeriesLines.DASH_DASH);
        }
        rsarl.rollout.eval.PngCharts.save(chart, file);
    }
}
