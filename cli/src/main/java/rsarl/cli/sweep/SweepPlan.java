package rsarl.cli.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import rsarl.rollout.config.ConfigLoader;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The runs of a sweep: the cells (every combination of the grid's values, the first key varying slowest), each run
 * once per seed into {@code output_dir/<cell>/seed-<s>/}. A cell's folder is named after its overrides the way Hydra
 * names multirun folders ({@code k=2,steps=3}); a key is shortened to its last segment unless two keys share it.
 */
public record SweepPlan(SweepConfig config, List<Cell> cells, List<Run> runs) {

    /** One combination of grid values, in grid key order. */
    public record Cell(int index, String name, Map<String, JsonNode> values) {
        /** The {@code key=value} overrides of this cell (values as YAML flow text). */
        public List<String> overrides() {
            return values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        }

        /** A value as written in tables: strings bare, everything else as YAML flow text. */
        public String label(String key) {
            JsonNode v = values.get(key);
            return v.isTextual() ? v.asText() : v.toString();
        }
    }

    /** One run: a cell with one seed, in its own folder. */
    public record Run(Cell cell, long seed, Path dir) {
        public String name() {
            return cell.name() + "/seed-" + seed;
        }
    }

    public static SweepPlan of(SweepConfig config) {
        List<String> keys = new ArrayList<>(config.grid().keySet());
        List<String> labels = shortNames(keys);
        List<Map<String, JsonNode>> combos = new ArrayList<>();
        combos.add(new LinkedHashMap<>());
        for (String key : keys) {
            List<Map<String, JsonNode>> next = new ArrayList<>();
            for (Map<String, JsonNode> c : combos) {
                for (JsonNode v : config.grid().get(key)) {
                    Map<String, JsonNode> m = new LinkedHashMap<>(c);
                    m.put(key, v);
                    next.add(m);
                }
            }
            combos = next;
        }
        List<Long> seeds = config.seeds().isEmpty() ? List.of(baseSeed(config.base())) : config.seeds();
        List<Cell> cells = new ArrayList<>();
        List<Run> runs = new ArrayList<>();
        for (Map<String, JsonNode> combo : combos) {
            String name = keys.isEmpty() ? "base" : keys.stream()
                    .map(k -> labels.get(keys.indexOf(k)) + "=" + safe(combo.get(k)))
                    .collect(Collectors.joining(","));
            Cell cell = new Cell(cells.size(), name, Collections.unmodifiableMap(combo));
            cells.add(cell);
            for (long s : seeds) {
                runs.add(new Run(cell, s, config.outputDir().resolve(name).resolve("seed-" + s)));
            }
        }
        return new SweepPlan(config, List.copyOf(cells), List.copyOf(runs));
    }

    /** The base config's own {@code seed} (0 when it names none): a sweep without {@code seeds} runs with it. */
    private static long baseSeed(Path base) {
        JsonNode s = ConfigLoader.read(base).get("seed");
        return s != null && s.isIntegralNumber() ? s.asLong() : 0L;
    }

    /** Last key segments, or the whole key where two keys end the same way. */
    static List<String> shortNames(List<String> keys) {
        List<String> last = keys.stream().map(k -> k.substring(k.lastIndexOf('.') + 1)).toList();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            out.add(Collections.frequency(last, last.get(i)) > 1 ? keys.get(i) : last.get(i));
        }
        return out;
    }

    /** A value fit for a folder name: letters, digits and {@code . _ + -} kept, anything else becomes {@code _}. */
    static String safe(JsonNode v) {
        String s = v.isTextual() ? v.asText() : v.toString();
        String out = s.replaceAll("[^A-Za-z0-9._+-]", "_");
        return out.isEmpty() || out.startsWith(".") ? "_" + out : out;
    }
}
