package rsarl.cli.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The headline metrics of a sweep's finished runs, read back from their own output files (so a skipped run counts
 * like one just run): for eval the final RSA state's {@code pass@1}, {@code majority} and {@code pass@n} (from
 * summary.json), for train the last step's {@code reward_mean_standard} and {@code reward_mean_aggregation} (from
 * metrics.jsonl); train+eval has both, the train ones prefixed {@code train_}. A run without outputs has no entry.
 */
public record SweepResults(List<String> metrics, Map<SweepPlan.Run, Map<String, Double>> byRun) {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> EVAL = List.of("pass@1", "majority", "pass@n");
    static final List<String> TRAIN = List.of("reward_mean_standard", "reward_mean_aggregation");

    public static SweepResults read(SweepPlan plan) {
        SweepConfig.Command c = plan.config().command();
        List<String> metrics = new ArrayList<>();
        if (c.evaluates()) {
            metrics.addAll(EVAL);
        }
        if (c.trains()) {
            TRAIN.forEach(m -> metrics.add(c.evaluates() ? "train_" + m : m));
        }
        Map<SweepPlan.Run, Map<String, Double>> byRun = new LinkedHashMap<>();
        for (SweepPlan.Run run : plan.runs()) {
            Map<String, Double> m = new LinkedHashMap<>();
            boolean complete = true;
            if (c.evaluates()) {
                complete = readEval(SweepRunner.evalDir(c, run).resolve("summary.json"), m);
            }
            if (c.trains() && complete) {
                complete = readTrain(SweepRunner.trainDir(c, run).resolve("metrics.jsonl"), c.evaluates() ? "train_" : "",
                        m);
            }
            if (complete) {
                byRun.put(run, m);
            }
        }
        return new SweepResults(List.copyOf(metrics), byRun);
    }

    /** The runs of a cell that have results, in seed order. */
    public List<SweepPlan.Run> finished(SweepPlan plan, SweepPlan.Cell cell) {
        return plan.runs().stream().filter(r -> r.cell().equals(cell) && byRun.containsKey(r)).toList();
    }

    public double value(SweepPlan.Run run, String metric) {
        Map<String, Double> m = byRun.get(run);
        Double v = m == null ? null : m.get(metric);
        return v == null ? Double.NaN : v;
    }

    private static boolean readEval(Path summary, Map<String, Double> out) {
        if (!Files.isRegularFile(summary)) {
            return false;
        }
        JsonNode fin = readJson(summary).path("final");
        for (String k : EVAL) {
            out.put(k, number(fin.path(k).path("mean")));
        }
        return true;
    }

    private static boolean readTrain(Path metrics, String prefix, Map<String, Double> out) {
        if (!Files.isRegularFile(metrics)) {
            return false;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(metrics).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(metrics + ": " + e.getMessage(), e);
        }
        if (lines.isEmpty()) {
            return false;
        }
        JsonNode last;
        try {
            last = JSON.readTree(lines.get(lines.size() - 1));
        } catch (IOException e) {
            throw new UncheckedIOException(metrics + ": last line is not JSON", e);
        }
        for (String k : TRAIN) {
            out.put(prefix + k, number(last.path(k)));
        }
        return true;
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": unreadable: " + e.getMessage(), e);
        }
    }

    private static double number(JsonNode n) {
        return n.isNumber() ? n.asDouble() : Double.NaN;
    }
}
