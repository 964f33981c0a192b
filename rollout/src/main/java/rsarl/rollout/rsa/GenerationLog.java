package rsarl.rollout.rsa;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * generations.jsonl: every finished request, appended and flushed one line at a time so that a killed
 * run loses only its in-flight requests. Opening an existing log loads it for resume (a final line cut
 * short by the kill is dropped).
 */
public final class GenerationLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Map<Generation.Key, Generation> byKey = new LinkedHashMap<>();
    private final BufferedWriter out;

    private GenerationLog(Path file) throws IOException {
        this.file = file;
        if (Files.exists(file)) {
            load();
        }
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /** Opens (creating or resuming) the log at {@code file}. */
    public static GenerationLog open(Path file) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            return new GenerationLog(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    public synchronized Generation get(Generation.Key key) {
        return byKey.get(key);
    }

    public synchronized int size() {
        return byKey.size();
    }

    /** All records, in file order. */
    public synchronized List<Generation> all() {
        return new ArrayList<>(byKey.values());
    }

    /** Appends one record and flushes it to the file. */
    public synchronized void append(Generation g) {
        try {
            out.write(JSON.writeValueAsString(toJson(g)));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot append: " + e.getMessage(), e);
        }
        byKey.put(g.key(), g);
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    static ObjectNode toJson(Generation g) {
        ObjectNode n = JSON.createObjectNode();
        n.put("problem_id", g.problemId());
        n.put("seed", g.seed());
        n.put("step", g.step());
        n.put("slot", g.slot());
        var parents = n.putArray("parents");
        g.parents().forEach(parents::add);
        n.put("response", g.response());
        n.put("extracted", g.extracted());
        n.put("score", g.score());
        n.put("prompt_tokens", g.promptTokens());
        n.put("completion_tokens", g.completionTokens());
        n.put("finish_reason", g.finishReason());
        return n;
    }

    static Generation fromJson(JsonNode n) {
        List<Integer> parents = new ArrayList<>();
        JsonNode p = n.get("parents");
        if (p == null || !p.isArray()) {
            throw new IllegalArgumentException("missing 'parents' list");
        }
        p.forEach(x -> parents.add(x.asInt()));
        return new Generation(text(n, "problem_id"), number(n, "seed").asLong(), number(n, "step").asInt(),
                number(n, "slot").asInt(), parents, text(n, "response"),
                n.hasNonNull("extracted") ? n.get("extracted").asText() : null, number(n, "score").asDouble(),
                n.path("prompt_tokens").asInt(-1), n.path("completion_tokens").asInt(-1),
                n.path("finish_reason").asText(null));
    }

    private static String text(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("missing text field '" + key + "'");
        }
        return v.asText();
    }

    private static JsonNode number(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException("missing number field '" + key + "'");
        }
        return v;
    }

    private void load() throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int lastNewline = -1;
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] == '\n') {
                lastNewline = i;
                break;
            }
        }
        if (lastNewline + 1 < bytes.length) {
            // A kill mid-write leaves a partial last line: it was never a finished request, so drop it.
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(lastNewline + 1);
            }
        }
        String text = new String(bytes, 0, lastNewline + 1, StandardCharsets.UTF_8);
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            try {
                Generation g = fromJson(JSON.readTree(line));
                byKey.put(g.key(), g);
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": bad generation record: "
                        + e.getMessage().lines().findFirst().orElse(""), e);
            }
        }
    }

    /** Number of finished records per (seed, step), for progress and tests. */
    public synchronized long count(long seed, int step) {
        return byKey.keySet().stream().filter(k -> k.seed() == seed && k.step() == step).count();
    }

    /** Records of one seed and step. */
    public synchronized Collection<Generation> state(long seed, int step) {
        return byKey.values().stream().filter(g -> g.seed() == seed && g.step() == step).toList();
    }
}
