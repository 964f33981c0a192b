package rsarl.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import rsarl.rewards.Problem;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Test-only problem reader (the real one is the rewards module's ProblemReader) and fixture access. */
public final class TestProblems {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestProblems() {
    }

    public static List<Problem> read(Path jsonl) {
        try {
            List<Problem> out = new ArrayList<>();
            for (String line : Files.readAllLines(jsonl)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = JSON.readTree(line);
                out.add(new Problem(n.get("id").asText(), n.get("prompt").asText(),
                        n.hasNonNull("answer") ? n.get("answer").asText() : null,
                        n.hasNonNull("task") ? n.get("task").asText() : null, List.of(), null, null));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fixture under src/test/resources copied to {@code dir} (so paths in configs are plain files). */
    public static Path fixture(String name, Path dir) {
        try {
            Path src = Path.of(TestProblems.class.getResource("/" + name).toURI());
            Path dst = dir.resolve(Path.of(name).getFileName().toString());
            Files.copy(src, dst, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return dst;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
