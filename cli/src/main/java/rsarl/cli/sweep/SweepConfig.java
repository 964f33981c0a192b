package rsarl.cli.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import rsarl.rollout.config.ConfigErrors;
import rsarl.rollout.config.ConfigException;
import rsarl.rollout.config.ConfigLoader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code rsa sweep} config: which command each run is ({@code eval}, {@code train}, {@code train+eval}), the base
 * config of that command, the grid of overrides (every combination is one cell, keys in file order), the seeds each
 * cell runs with, where the runs go, and how many run at once.
 */
public record SweepConfig(Command command, Path base, Path evalConfig, Map<String, List<JsonNode>> grid,
                          List<Long> seeds, Path outputDir, int maxParallel) {

    /** What one run of a cell does. */
    public enum Command {
        EVAL("eval"), TRAIN("train"), TRAIN_EVAL("train+eval");

        final String name;

        Command(String name) {
            this.name = name;
        }

        static Command parse(String s, String source) {
            for (Command c : values()) {
                if (c.name.equals(s.toLowerCase(Locale.ROOT))) {
                    return c;
                }
            }
            throw new ConfigException(source + ": key 'command': bad value '" + s + "' (one of eval, train, train+eval)");
        }

        public boolean trains() {
            return this != EVAL;
        }

        public boolean evaluates() {
            return this != TRAIN;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final List<String> KEYS = List.of("command", "base", "eval_config", "grid", "seeds", "output_dir",
            "max_parallel");

    /** Reads and checks a sweep file; every problem found is reported in one message naming the file and key. */
    public static SweepConfig load(Path file) {
        ObjectNode tree = ConfigLoader.read(file);
        String src = file.toString();
        ConfigErrors errors = new ConfigErrors(src, List.of());
        for (Iterator<String> it = tree.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k)) {
                errors.add(k, ConfigErrors.UNKNOWN + " (known keys: " + String.join(", ", KEYS) + ")");
            }
        }
        Command command = null;
        JsonNode c = tree.get("command");
        if (c == null || !c.isTextual()) {
            errors.add("command", "required, one of eval, train, train+eval");
        } else {
            try {
                command = Command.parse(c.asText(), src);
            } catch (ConfigException e) {
                errors.add("command", e.getMessage().substring(e.getMessage().indexOf("bad value")));
            }
        }
        Path base = existingFile(tree, "base", true, errors);
        Path evalConfig = existingFile(tree, "eval_config", command == Command.TRAIN_EVAL, errors);
        if (evalConfig != null && command != Command.TRAIN_EVAL) {
            errors.add("eval_config", "only used by command train+eval");
        }
        Map<String, List<JsonNode>> grid = new LinkedHashMap<>();
        JsonNode g = tree.get("grid");
        if (g != null && !g.isNull()) {
            if (!g.isObject()) {
                errors.add("grid", "expected a mapping of key.path: [values]");
            } else {
                g.fields().forEachRemaining(e -> {
                    JsonNode v = e.getValue();
                    List<JsonNode> values = new ArrayList<>();
                    (v.isArray() ? v : tree.arrayNode().add(v)).forEach(values::add);
                    if (values.isEmpty()) {
                        errors.add("grid." + e.getKey(), "lists no values");
                    }
                    grid.put(e.getKey(), values);
                });
            }
        }
        List<Long> seeds = new ArrayList<>();
        JsonNode s = tree.get("seeds");
        if (s != null && !s.isNull()) {
            for (JsonNode n : s.isArray() ? s : tree.arrayNode().add(s)) {
                if (n.isIntegralNumber()) {
                    seeds.add(n.asLong());
                } else {
                    errors.add("seeds", "expected integers, got " + n);
                }
            }
            if (seeds.stream().distinct().count() != seeds.size()) {
                errors.add("seeds", "must be distinct, got " + seeds);
            }
        }
        JsonNode out = tree.get("output_dir");
        if (out == null || !out.isTextual() || out.asText().isBlank()) {
            errors.add("output_dir", "required");
        }
        int maxParallel = 1;
        JsonNode mp = tree.get("max_parallel");
        if (mp != null && !mp.isNull()) {
            if (!mp.isInt() || mp.asInt() < 1) {
                errors.add("max_parallel", "expected an integer >= 1, got " + mp);
            } else {
                maxParallel = mp.asInt();
            }
        }
        errors.throwIfAny();
        return new SweepConfig(command, base, evalConfig, grid, List.copyOf(seeds), Path.of(out.asText()), maxParallel);
    }

    private static Path existingFile(ObjectNode tree, String key, boolean required, ConfigErrors errors) {
        JsonNode n = tree.get(key);
        if (n == null || n.isNull()) {
            if (required) {
                errors.add(key, "required");
            }
            return null;
        }
        if (!n.isTextual()) {
            errors.add(key, "expected a path, got " + n);
            return null;
        }
        Path p = Path.of(n.asText());
        if (!Files.isRegularFile(p)) {
            errors.add(key, "file not found: " + p);
        }
        return p;
    }
}
