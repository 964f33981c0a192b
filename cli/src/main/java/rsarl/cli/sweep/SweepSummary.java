package rsarl.cli.sweep;

import rsarl.rollout.eval.AtomicFiles;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code summary.csv} (one row per cell: a column per grid key, then {@code <metric>_mean} and {@code <metric>_std}
 * over the cell's seeds for each headline metric, then {@code n}, the seeds with results) and {@code summary.md} (the
 * same table, then each cell's paired differences against the first cell over the seeds both ran, with their standard
 * error). Standard deviations are sample ones (n-1); a metric no run of a cell reported is left empty.
 */
public final class SweepSummary {
    public static final String CSV = "summary.csv";
    public static final String MD = "summary.md";
    public static final String PNG = "summary.png";

    private SweepSummary() {
    }

    /** Mean and sample standard deviation of the non-NaN values (std 0 for one value, NaN for none). */
    public record Stat(double mean, double std, int n) {
        static Stat of(List<Double> values) {
            double[] v = values.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).toArray();
            if (v.length == 0) {
                return new Stat(Double.NaN, Double.NaN, 0);
            }
            rsarl.rollout.eval.SeedStats.Stat st = rsarl.rollout.eval.SeedStats.Stat.of(v);
            return new Stat(st.mean(), st.std(), v.length);
        }

        /** Standard error of the mean (NaN below two values). */
        double se() {
            return n > 1 ? std / Math.sqrt(n) : Double.NaN;
        }
    }

    public static Stat stat(SweepPlan plan, SweepResults r, SweepPlan.Cell cell, String metric) {
        return Stat.of(r.finished(plan, cell).stream().map(run -> r.value(run, metric)).toList());
    }

    /** Differences cell minus first cell, seed by seed, over the seeds both have results for. */
    public static Stat paired(SweepPlan plan, SweepResults r, SweepPlan.Cell cell, String metric) {
        SweepPlan.Cell first = plan.cells().get(0);
        List<Double> d = new ArrayList<>();
        for (SweepPlan.Run run : r.finished(plan, cell)) {
            for (SweepPlan.Run ref : r.finished(plan, first)) {
                if (ref.seed() == run.seed()) {
                    d.add(r.value(run, metric) - r.value(ref, metric));
                }
            }
        }
        return Stat.of(d);
    }

    public static void write(SweepPlan plan, SweepResults r, Path dir) {
        List<String> keys = new ArrayList<>(plan.config().grid().keySet());
        StringBuilder csv = new StringBuilder();
        List<String> header = new ArrayList<>(keys);
        r.metrics().forEach(m -> {
            header.add(m + "_mean");
            header.add(m + "_std");
        });
        header.add("n");
        csv.append(String.join(",", header.stream().map(SweepSummary::csvField).toList())).append('\n');
        for (SweepPlan.Cell cell : plan.cells()) {
            List<String> row = new ArrayList<>();
            keys.forEach(k -> row.add(csvField(cell.label(k))));
            for (String m : r.metrics()) {
                Stat s = stat(plan, r, cell, m);
                row.add(num(s.mean()));
                row.add(num(s.std()));
            }
            row.add(Integer.toString(r.finished(plan, cell).size()));
            csv.append(String.join(",", row)).append('\n');
        }
        AtomicFiles.write(dir.resolve(CSV), csv.toString());
        AtomicFiles.write(dir.resolve(MD), markdown(plan, r, keys));
    }

    private static String markdown(SweepPlan plan, SweepResults r, List<String> keys) {
        SweepConfig c = plan.config();
        StringBuilder md = new StringBuilder("# Sweep " + c.outputDir() + "\n\n");
        md.append("`rsa ").append(c.command()).append("` over `").append(c.base()).append("`");
        if (c.evalConfig() != null) {
            md.append(", final checkpoints evaluated with `").append(c.evalConfig()).append("`");
        }
        md.append("; ").append(plan.cells().size()).append(" cells x ")
                .append(plan.runs().size() / Math.max(1, plan.cells().size())).append(" seeds. ")
                .append("Mean ± std over seeds (final RSA state for eval metrics, last step for train rewards).\n\n");
        List<String> cols = new ArrayList<>(keys.isEmpty() ? List.of("cell") : keys);
        cols.addAll(r.metrics());
        cols.add("n");
        table(md, cols);
        for (SweepPlan.Cell cell : plan.cells()) {
            List<String> row = new ArrayList<>(keys.isEmpty() ? List.of(cell.name()) : keys.stream().map(cell::label).toList());
            for (String m : r.metrics()) {
                Stat s = stat(plan, r, cell, m);
                row.add(Double.isNaN(s.mean()) ? "" : fmt(s.mean()) + " ± " + fmt(s.std()));
            }
            row.add(Integer.toString(r.finished(plan, cell).size()));
            md.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        if (plan.cells().size() > 1) {
            md.append("\nPaired differences against the first cell (`").append(plan.cells().get(0).name())
                    .append("`), seed by seed: mean ± standard error (n seeds both ran; the error needs n >= 2).\n\n");
            List<String> dcols = new ArrayList<>(List.of("cell"));
            r.metrics().forEach(m -> dcols.add("Δ " + m));
            table(md, dcols);
            for (SweepPlan.Cell cell : plan.cells().subList(1, plan.cells().size())) {
                List<String> row = new ArrayList<>(List.of(cell.name()));
                for (String m : r.metrics()) {
                    Stat d = paired(plan, r, cell, m);
                    row.add(Double.isNaN(d.mean()) ? "" : signed(d.mean()) + " ± "
                            + (Double.isNaN(d.se()) ? "n/a" : fmt(d.se())) + " (" + d.n() + ")");
                }
                md.append("| ").append(String.join(" | ", row)).append(" |\n");
            }
        }
        return md.toString();
    }

    private static void table(StringBuilder md, List<String> cols) {
        md.append("| ").append(String.join(" | ", cols)).append(" |\n|");
        cols.forEach(x -> md.append("---|"));
        md.append('\n');
    }

    static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String signed(double v) {
        return String.format(Locale.ROOT, "%+.4f", v);
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    /** The cells' mean of {@code metric}, keyed by cell (for the plot). */
    static Map<SweepPlan.Cell, Stat> means(SweepPlan plan, SweepResults r, String metric) {
        Map<SweepPlan.Cell, Stat> out = new java.util.LinkedHashMap<>();
        plan.cells().forEach(c -> out.put(c, stat(plan, r, c, metric)));
        return out;
    }
}
