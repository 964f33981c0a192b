package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import rsarl.rewards.JsonlReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How well an RSA run's aggregation calls used their candidates, from its generations.jsonl (each line names its
 * parents, the slots of the previous state it was shown). Over the calls whose K candidates hold right and wrong
 * ones: the share answered right, against the share a random pick among the candidates would get (the mean share
 * of right candidates). Above the random pick, the aggregator tells right from wrong; at it, aggregation only
 * resamples the population. Also the share answered right where no candidate was right (solving anew or by
 * exclusion), and, over the mixed calls, how often the answer equals the answer of the candidate shown first,
 * second, ...: an aggregator that copies by position instead of by content shows up as one large share.
 *
 * @param mixed calls with at least one right and one wrong candidate
 * @param mixedRight share of those answered right (score 1)
 * @param randomPick mean share of right candidates over those calls
 * @param noneRight calls where no candidate was right
 * @param noneRightRight share of those answered right
 * @param positionMatch per candidate position, the share of mixed calls whose extracted answer equals that
 *     candidate's (empty when there were no mixed calls)
 */
record AggregatorStats(long mixed, double mixedRight, double randomPick, long noneRight, double noneRightRight,
        double[] positionMatch) {

    /** Null when the file is missing or holds no aggregation calls. */
    static AggregatorStats read(Path generations) throws IOException {
        if (!Files.exists(generations)) {
            return null;
        }
        Map<String, Double> scores = new HashMap<>();
        Map<String, String> answers = new HashMap<>();
        List<JsonNode> calls = new ArrayList<>();
        JsonlReader.forEachLine(generations, (lineNo, g) -> {
            String key = key(g.path("problem_id").asText(), g.path("seed").asText(), g.path("step").asInt(),
                    g.path("slot").asInt());
            scores.put(key, g.path("score").asDouble());
            answers.put(key, extracted(g));
            if (g.path("parents").size() > 0) {
                calls.add(g);
            }
        });
        long mixed = 0;
        long none = 0;
        double mixedRight = 0;
        double pick = 0;
        double noneRight = 0;
        long[] matches = new long[0];
        for (JsonNode g : calls) {
            int right = 0;
            int k = g.path("parents").size();
            String[] parentAnswers = new String[k];
            for (int i = 0; i < k; i++) {
                JsonNode parent = g.path("parents").get(i);
                String parentKey = key(g.path("problem_id").asText(), g.path("seed").asText(),
                        g.path("step").asInt() - 1, parent.asInt());
                Double s = scores.get(parentKey);
                if (s == null) {
                    throw new IllegalArgumentException(generations + ": problem " + g.path("problem_id").asText()
                            + " step " + g.path("step").asInt() + " names parent slot " + parent.asInt()
                            + ", which the previous step does not have");
                }
                right += s >= 1.0 ? 1 : 0;
                parentAnswers[i] = answers.get(parentKey);
            }
            boolean ok = g.path("score").asDouble() >= 1.0;
            if (right == 0) {
                none++;
                noneRight += ok ? 1 : 0;
            } else if (right < k) {
                mixed++;
                mixedRight += ok ? 1 : 0;
                pick += (double) right / k;
                matches = Arrays.copyOf(matches, Math.max(matches.length, k));
                String answer = extracted(g);
                for (int i = 0; i < k; i++) {
                    matches[i] += answer != null && answer.equals(parentAnswers[i]) ? 1 : 0;
                }
            }
        }
        if (calls.isEmpty()) {
            return null;
        }
        double[] positionMatch = new double[matches.length];
        for (int i = 0; i < matches.length; i++) {
            positionMatch[i] = (double) matches[i] / mixed;
        }
        return new AggregatorStats(mixed, mixed == 0 ? Double.NaN : mixedRight / mixed,
                mixed == 0 ? Double.NaN : pick / mixed, none, none == 0 ? Double.NaN : noneRight / none,
                positionMatch);
    }

    /** The verifier's extracted answer of a generation line, or null when it found none. */
    private static String extracted(JsonNode g) {
        JsonNode e = g.get("extracted");
        return e == null || e.isNull() ? null : e.asText();
    }

    private static String key(String problem, String seed, int step, int slot) {
        return problem + "@" + seed + "#" + step + "/" + slot;
    }
}
