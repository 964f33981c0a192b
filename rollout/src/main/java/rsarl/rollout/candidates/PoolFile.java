package rsarl.rollout.candidates;

import com.fasterxml.jackson.databind.JsonNode;
import rsarl.rewards.JsonlReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads candidate pools, the JSONL that {@code rsa candidates} ({@link CandidatePool}) writes: one line per candidate
 * with {@code problem_id}, {@code response}, {@code score} and optionally {@code slot} and {@code extracted}
 * (candidates are ordered by slot, then by line). Errors name the file and line.
 */
public final class PoolFile {
    /** One candidate solution of a problem; {@code extracted} is its final answer, null when the line has none. */
    public record Candidate(String response, double score, String extracted) {
    }

    private PoolFile() {
    }

    /** Candidates per problem id, in file order of first appearance. */
    public static Map<String, List<Candidate>> read(Path file) {
        Map<String, List<double[]>> order = new LinkedHashMap<>();
        Map<String, List<Candidate>> out = new LinkedHashMap<>();
        try {
            JsonlReader.forEachLine(file, (n, node) -> {
                JsonNode id = node.get("problem_id");
                JsonNode response = node.get("response");
                JsonNode score = node.get("score");
                if (id == null || !id.isTextual() || response == null || !response.isTextual()) {
                    throw new IllegalArgumentException(file + ":" + n + ": needs text fields 'problem_id' and"
                            + " 'response'");
                }
                if (score != null && !score.isNumber()) {
                    throw new IllegalArgumentException(file + ":" + n + ": 'score' must be a number");
                }
                List<Candidate> list = out.computeIfAbsent(id.asText(), k -> new ArrayList<>());
                List<double[]> keys = order.computeIfAbsent(id.asText(), k -> new ArrayList<>());
                keys.add(new double[] {node.path("slot").asInt(Integer.MAX_VALUE), n, list.size()});
                JsonNode extracted = node.get("extracted");
                list.add(new Candidate(response.asText(), score == null ? Double.NaN : score.asDouble(),
                        extracted != null && extracted.isTextual() ? extracted.asText() : null));
            });
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read candidate pools: " + e.getMessage(), e);
        }
        Map<String, List<Candidate>> sorted = new LinkedHashMap<>();
        out.forEach((id, list) -> {
            List<double[]> keys = new ArrayList<>(order.get(id));
            keys.sort(Comparator.<double[]>comparingDouble(k -> k[0]).thenComparingDouble(k -> k[1]));
            List<Candidate> s = new ArrayList<>();
            keys.forEach(k -> s.add(list.get((int) k[2])));
            sorted.put(id, List.copyOf(s));
        });
        return sorted;
    }
}
