package rsarl.rollout.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * run.json: what makes the generations of an output directory what they are (model, data, RSA shape,
 * sampling). A rerun resumes only when these agree, so a changed config never mixes with old results;
 * settings that do not change results (concurrency, timeouts, seeds list, limit) may differ.
 */
public final class RunManifest {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunManifest() {
    }

    /** Writes {@code identity} to {@code file}, or checks that the one already there is the same. */
    public static void writeOrCheck(Path file, ObjectNode identity) {
        if (Files.exists(file)) {
            JsonNode old;
            try {
                old = JSON.readTree(file.toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": unreadable run manifest: " + e.getMessage(), e);
            }
            List<String> diffs = new ArrayList<>();
            diff("", old, identity, diffs);
            if (!diffs.isEmpty()) {
                throw new IllegalArgumentException(file.getParent() + " holds a run with a different config ("
                        + String.join("; ", diffs) + "); use another output_dir or remove it");
            }
            return;
        }
        try {
            AtomicFiles.write(file, JSON.writeValueAsString(identity) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    private static void diff(String path, JsonNode a, JsonNode b, List<String> out) {
        if (a != null && b != null && a.isObject() && b.isObject()) {
            List<String> keys = new ArrayList<>();
            a.fieldNames().forEachRemaining(keys::add);
            for (Iterator<Map.Entry<String, JsonNode>> it = b.fields(); it.hasNext(); ) {
                String k = it.next().getKey();
                if (!keys.contains(k)) {
                    keys.add(k);
                }
            }
            for (String k : keys) {
                diff(path.isEmpty() ? k : path + "." + k, a.get(k), b.get(k), out);
            }
            return;
        }
        boolean same = a == null ? b == null || b.isNull() : b == null ? a.isNull() : a.equals(b)
                || (a.isNumber() && b.isNumber() && a.asDouble() == b.asDouble());
        if (!same) {
            out.add(path + ": was " + a + ", now " + b);
        }
    }
}
