package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import rsarl.rewards.Problem;
import rsarl.rewards.Verifier;
import rsarl.rewards.Verifiers;
import rsarl.rollout.backend.BackendFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The one place where the commands get their verifiers, problem reader and backends. The rewards
 * module's {@code Verifiers.forTask} / {@code ProblemReader.read} and the local-model backend plug in here.
 */
final class Wiring {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Wiring() {
    }

    static Function<String, Verifier> verifiers() {
        return Verifiers::forTask;
    }

    static Function<Path, List<Problem>> problemReader() {
        return Wiring::readProblems;
    }

    static BackendFactory backends() {
        return BackendFactory.builtIn();
    }

    /** Reads canonical problem lines (id, prompt, answer, task, options, tests, metadata). */
    private static List<Problem> readProblems(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": data file not found");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        List<Problem> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            try {
                JsonNode n = JSON.readTree(lines.get(i));
                if (!n.hasNonNull("id") || !n.hasNonNull("prompt")) {
                    throw new IllegalArgumentException("needs 'id' and 'prompt'");
                }
                List<String> options = new ArrayList<>();
                n.path("options").forEach(o -> options.add(o.asText()));
                out.add(new Problem(n.get("id").asText(), n.get("prompt").asText(),
                        n.hasNonNull("answer") ? n.get("answer").asText() : null,
                        n.hasNonNull("task") ? n.get("task").asText() : null, options, n.get("tests"), n.get("metadata")));
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": bad problem line: "
                        + e.getMessage().lines().findFirst().orElse(""));
            }
        }
        return out;
    }
}
