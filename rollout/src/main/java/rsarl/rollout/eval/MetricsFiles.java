package rsarl.rollout.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import rsarl.rollout.rsa.StateMetrics;

import java.nio.file.Path;
import java.util.List;

/** Writes metrics.jsonl (one line per seed and state) and summary.json (mean ± std across seeds). */
public final class MetricsFiles {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper LINE = new ObjectMapper();

    private MetricsFiles() {
    }

    public static ObjectNode line(StateMetrics m) {
        ObjectNode n = LINE.createObjectNode();
        n.put("seed", m.seed());
        n.put("step", m.step());
        put(n, "pass@1", m.pass1());
        put(n, "pass@n", m.passN());
        put(n, "majority", m.majority());
        put(n, "mean_response_tokens", m.meanResponseTokens());
        put(n, "median_response_tokens", m.medianResponseTokens());
        n.put("calls", m.calls());
        n.put("prompt_tokens", m.promptTokens());
        n.put("completion_tokens", m.completionTokens());
        n.put("problems", m.problems());
        return n;
    }

    /** Rewrites metrics.jsonl with every state computed so far. */
    public static void writeMetrics(Path file, List<StateMetrics> all) {
        StringBuilder sb = new StringBuilder();
        for (StateMetrics m : all) {
            try {
                sb.append(LINE.writeValueAsString(line(m))).append('\n');
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        AtomicFiles.write(file, sb.toString());
    }

    /** Rewrites summary.json: the run's identity, then mean and std across seeds for every state. */
    public static void writeSummary(Path file, JsonNode run, List<Long> seeds, List<StateMetrics> all) {
        ObjectNode root = JSON.createObjectNode();
        root.set("run", run);
        var seedArray = root.putArray("seeds");
        seeds.forEach(seedArray::add);
        var states = root.putArray("states");
        List<SeedStats> stats = SeedStats.of(all);
        for (SeedStats s : stats) {
            states.add(stat(s));
        }
        if (!stats.isEmpty()) {
            root.set("final", stat(stats.get(stats.size() - 1)));
        }
        try {
            AtomicFiles.write(file, JSON.writeValueAsString(root) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode stat(SeedStats s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("step", s.step());
        n.put("seeds", s.seeds());
        put(n, "pass@1", s.pass1());
        put(n, "pass@n", s.passN());
        put(n, "majority", s.majority());
        put(n, "mean_response_tokens", s.meanResponseTokens());
        put(n, "median_response_tokens", s.medianResponseTokens());
        put(n, "calls", s.calls());
        put(n, "completion_tokens", s.completionTokens());
        return n;
    }

    private static void put(ObjectNode n, String key, SeedStats.Stat stat) {
        ObjectNode o = n.putObject(key);
        put(o, "mean", stat.mean());
        put(o, "std", stat.std());
    }

    /** JSON has no NaN: an unknown value is written as null. */
    private static void put(ObjectNode n, String key, double value) {
        if (Double.isNaN(value)) {
            n.putNull(key);
        } else {
            n.put(key, value);
        }
    }
}
