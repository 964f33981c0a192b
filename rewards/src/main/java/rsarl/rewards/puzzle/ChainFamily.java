package rsarl.rewards.puzzle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code chain}: start from a number, apply d+1 operations in turn and list every intermediate
 * result ("10, 20, 15"). Multi-step with checkable steps: partial credit is the share of leading
 * results that are right, so candidates that slip at different steps earn different rewards.
 */
final class ChainFamily implements PuzzleFamily {

    @Override
    public String name() {
        return "chain";
    }

    @Override
    public Puzzle generate(SplittableRandom rnd, int difficulty) {
        int steps = difficulty + 1;
        int max = difficulty <= 2 ? 9 : 5 * difficulty;
        long value = rnd.nextInt(1, max + 1);
        long start = value;
        List<String> ops = new ArrayList<>();
        List<Long> values = new ArrayList<>();
        StringBuilder solution = new StringBuilder();
        for (int i = 0; i < steps; i++) {
            char op = "+-*".charAt(rnd.nextInt(3));
            long b = op == '*' ? rnd.nextInt(2, difficulty <= 2 ? 4 : 6) : rnd.nextInt(1, max + 1);
            long r = ArithmeticFamily.apply(value, op, b);
            ops.add("" + op + b);
            solution.append(value).append(op).append(b).append('=').append(r).append('\n');
            values.add(r);
            value = r;
        }
        String answer = join(values);
        ObjectNode meta = Puzzles.meta();
        meta.put("start", start);
        ArrayNode opsNode = meta.putArray("ops");
        ops.forEach(opsNode::add);
        String question = "Start at " + start + ". Apply " + String.join(", ", ops)
                + " in order and list each result." + ANSWER_FORMAT;
        return new Puzzle(name(), difficulty, question, solution + PuzzleFamily.answerTag(answer), answer, meta);
    }

    static String join(List<Long> values) {
        StringBuilder sb = new StringBuilder();
        for (long v : values) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(v);
        }
        return sb.toString();
    }

    /** Expected intermediate results, recomputed from the metadata (or read from the gold answer). */
    private static List<Long> expected(JsonNode metadata, String gold) {
        if (metadata == null || !metadata.has("start") || !metadata.has("ops")) {
            return Puzzles.parseInts(gold);
        }
        long v = metadata.get("start").asLong();
        List<Long> out = new ArrayList<>();
        for (JsonNode op : metadata.get("ops")) {
            String s = op.asText();
            v = ArithmeticFamily.apply(v, s.charAt(0), Long.parseLong(s.substring(1)));
            out.add(v);
        }
        return out;
    }

    @Override
    public double score(String answer, JsonNode metadata, String gold) {
        List<Long> want = expected(metadata, gold);
        List<Long> got = Puzzles.parseInts(answer);
        if (got == null || got.isEmpty() || want == null || want.isEmpty()) {
            return 0;
        }
        int right = 0;
        while (right < Math.min(got.size(), want.size()) && got.get(right).equals(want.get(right))) {
            right++;
        }
        return (double) right / Math.max(want.size(), got.size());
    }
}
