package rsarl.trainer.loop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import rsarl.trainer.grpo.StepMetrics;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Appends one JSON object per step to {@code metrics.jsonl}, flushed per line. Opening it for a run that resumes at
 * step {@code s} first drops every line with {@code step > s} (and a torn last line), so the file always describes
 * exactly the steps the weights have seen.
 */
public final class MetricsLogger implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private final Path file;
    private final OutputStream out;
    private long lines;

    private MetricsLogger(Path file, OutputStream out, long lines) {
        this.file = file;
        this.out = out;
        this.lines = lines;
    }

    /** Opens {@code file}, keeping only lines with {@code step <= resumedStep} (0 for a fresh run). */
    public static MetricsLogger open(Path file, long resumedStep) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        List<String> kept = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                JsonNode n;
                try {
                    n = line.isBlank() ? null : JSON.readTree(line);
                } catch (IOException torn) {
                    continue; // a line cut by a crash
                }
                if (n != null && n.path("step").canConvertToLong() && n.path("step").asLong() <= resumedStep) {
                    kept.add(line);
                }
            }
            Path tmp = parent.resolve(file.getFileName() + ".tmp");
            Files.write(tmp, kept, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return new MetricsLogger(file, out, kept.size());
    }

    public void log(StepMetrics m) throws IOException {
        write(JSON.valueToTree(m));
    }

    /** Logs arbitrary values; must contain a numeric {@code step}. */
    public void log(Map<String, ?> values) throws IOException {
        if (!(values.get("step") instanceof Number)) {
            throw new IllegalArgumentException("metrics need a numeric 'step'");
        }
        write(JSON.valueToTree(values));
    }

    private void write(ObjectNode node) throws IOException {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNumber() && !Double.isFinite(e.getValue().asDouble())) {
                e.setValue(JSON.nullNode()); // JSON has no NaN
            }
        }
        out.write((JSON.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        lines++;
    }

    /** Lines in the file (to record in {@link TrainerState#metricsLines()}). */
    public long lines() {
        return lines;
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
