package rsarl.rewards;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import rsarl.rewards.math.MathExtractor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads problems from JSONL or Parquet ({@code .parquet}: Hugging Face datasets, verl's files; each row read as the
 * JSON object its JSONL line would be): {@code {"id", "prompt", "answer", "task", ...}} plus {@code tests},
 * {@code options}, {@code metadata}; also the common Hugging Face / verl names: {@code problem} /
 * {@code question} for the prompt (and a verl chat list {@code prompt: [{role, content}]}),
 * {@code solution} (its last {@code \boxed{}}) or {@code reward_model.ground_truth} for the answer,
 * {@code choices} for options, {@code input_output} / {@code test_cases} for tests. Blank lines are
 * skipped; a malformed line is an error naming the file and line (a Parquet row: {@code file:row N}). Other column
 * names are given with {@link ProblemFields} ({@code data.prompt_key}, {@code data.answer_key}, {@code data.id_key}).
 */
public final class ProblemReader {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ProblemReader() {
    }

    /** Reads a JSONL file; problems without a task get {@code math}. */
    public static List<Problem> read(Path jsonl) {
        return read(jsonl, "math");
    }

    public static List<Problem> read(Path jsonl, String defaultTask) {
        return read(jsonl, defaultTask, ProblemFields.DEFAULT);
    }

    /** Reads a JSONL or Parquet file, taking prompt, answer and id from the columns {@code fields} names. */
    public static List<Problem> read(Path file, String defaultTask, ProblemFields fields) {
        List<Problem> out = new ArrayList<>();
        if (ParquetRows.isParquet(file)) {
            try {
                ParquetRows.forEachRow(file, (rowNo, row) -> {
                    String where = file + ": row " + rowNo;
                    try {
                        out.add(fromJson(row, defaultTask, where, rowNo, fields));
                    } catch (IllegalArgumentException e) {
                        String msg = e.getMessage();
                        throw new IllegalArgumentException(msg != null && msg.startsWith(where) ? msg : where + ": " + msg, e);
                    }
                });
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("no such file: " + file);
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
            return out;
        }
        forEachLine(file, (node, lineNo) -> out.add(fromJson(node, defaultTask, file + ":" + lineNo, lineNo, fields)));
        return out;
    }

    /** Callback for {@link #forEachLine}. */
    public interface LineHandler {
        void accept(JsonNode node, int lineNo);
    }

    /** Parses each non-blank line as a JSON object; errors name file and line. */
    public static void forEachLine(Path jsonl, LineHandler handler) {
        try {
            JsonlReader.forEachLine(jsonl, (lineNo, node) -> {
                if (node == null || !node.isObject()) {
                    throw new IllegalArgumentException(jsonl + ":" + lineNo + ": expected a JSON object");
                }
                try {
                    handler.accept(node, lineNo);
                } catch (IllegalArgumentException e) {
                    String msg = e.getMessage();
                    throw new IllegalArgumentException(msg != null && msg.startsWith(jsonl.toString()) ? msg
                            : jsonl + ":" + lineNo + ": " + msg, e);
                }
            });
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no such file: " + jsonl);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + jsonl + ": " + e.getMessage(), e);
        }
    }

    /**
     * One problem from a JSON object. {@code where} names the source in error messages; {@code index}
     * makes the id when none is given.
     */
    public static Problem fromJson(JsonNode o, String defaultTask, String where, int index) {
        return fromJson(o, defaultTask, where, index, ProblemFields.DEFAULT);
    }

    /** As {@link #fromJson(JsonNode, String, String, int)}, with prompt, answer and id from the named columns. */
    public static Problem fromJson(JsonNode o, String defaultTask, String where, int index, ProblemFields fields) {
        if (!fields.isDefault()) {
            o = renamed(o, fields, where);
        }
        String id = text(o, "id");
        if (id == null) {
            id = text(o, "problem_id");
        }
        if (id == null && o.path("extra_info").has("index")) {
            id = o.path("extra_info").get("index").asText();
        }
        if (id == null) {
            id = Integer.toString(index);
        }
        String prompt = prompt(o, where);
        String task = text(o, "task");
        if (task == null) {
            task = defaultTask;
        }
        List<String> options = options(o, where);
        String answer = answer(o, options, task);
        JsonNode tests = first(o, "tests", "test_cases", "input_output", "test_list");
        if (tests == null && "code".equals(task) && o.path("reward_model").has("ground_truth")) {
            tests = o.get("reward_model").get("ground_truth");
        }
        JsonNode metadata = o.get("metadata");
        if (metadata != null && metadata.isTextual()) {
            try {
                metadata = JSON.readTree(metadata.asText());
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(where + ": 'metadata' is a string but not JSON");
            }
        }
        return new Problem(id, prompt, answer, task, options, tests, metadata);
    }

    /** A copy of {@code o} whose built-in names hold the values of the configured columns (which must be there). */
    private static JsonNode renamed(JsonNode o, ProblemFields f, String where) {
        com.fasterxml.jackson.databind.node.ObjectNode c = ((com.fasterxml.jackson.databind.node.ObjectNode) o).deepCopy();
        String[][] keys = {{f.promptKey(), "prompt", "prompt_key"}, {f.answerKey(), "answer", "answer_key"},
                {f.idKey(), "id", "id_key"}};
        for (String[] k : keys) {
            if (k[0] == null) {
                continue;
            }
            JsonNode v = ProblemFields.at(o, k[0]);
            if (v == null) {
                List<String> names = new ArrayList<>();
                o.fieldNames().forEachRemaining(names::add);
                throw new IllegalArgumentException(where + ": no column '" + k[0] + "' (data." + k[2] + "; columns: "
                        + String.join(", ", names) + ")");
            }
            c.set(k[1], v);
        }
        return c;
    }

    private static String prompt(JsonNode o, String where) {
        JsonNode p = first(o, "prompt", "problem", "question", "input");
        if (p == null) {
            return null;
        }
        if (p.isTextual()) {
            return p.asText();
        }
        if (p.isArray()) { // verl: [{"role": "user", "content": "..."}]
            String last = null;
            for (JsonNode m : p) {
                if (m.isObject() && "user".equals(m.path("role").asText()) && m.has("content")) {
                    last = m.get("content").asText();
                }
            }
            if (last != null) {
                return last;
            }
        }
        throw new IllegalArgumentException(where + ": 'prompt' must be a string or a list of chat messages");
    }

    private static List<String> options(JsonNode o, String where) {
        JsonNode n = first(o, "options", "choices");
        if (n == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (n.isArray()) {
            n.forEach(x -> out.add(x.asText()));
        } else if (n.isObject()) { // {"A": "...", "B": "..."} or {"label": [...], "text": [...]}
            if (n.has("text") && n.get("text").isArray()) {
                n.get("text").forEach(x -> out.add(x.asText()));
            } else {
                for (Map.Entry<String, JsonNode> e : n.properties()) {
                    out.add(e.getValue().asText());
                }
            }
        } else {
            throw new IllegalArgumentException(where + ": 'options' must be a list or an object");
        }
        return out;
    }

    private static String answer(JsonNode o, List<String> options, String task) {
        JsonNode a = first(o, "answer", "final_answer", "gold", "target");
        if (a == null && o.path("reward_model").has("ground_truth") && !"code".equals(task)) {
            a = o.get("reward_model").get("ground_truth");
        }
        if (a != null) {
            if ("choice".equals(task) && a.isIntegralNumber() && !options.isEmpty()) {
                int k = a.asInt();
                if (k >= 0 && k < options.size()) {
                    return String.valueOf((char) ('A' + k)); // MMLU-style index
                }
            }
            return a.isTextual() || a.isNumber() ? a.asText() : a.toString();
        }
        String solution = text(o, "solution");
        if (solution != null) {
            String boxed = MathExtractor.lastBoxed(solution);
            return boxed != null ? boxed : solution;
        }
        return null;
    }

    private static JsonNode first(JsonNode o, String... names) {
        for (String n : names) {
            JsonNode v = o.get(n);
            if (v != null && !v.isNull()) {
                return v;
            }
        }
        return null;
    }

    private static String text(JsonNode o, String name) {
        JsonNode v = o.get(name);
        return v == null || v.isNull() ? null : v.asText();
    }
}
