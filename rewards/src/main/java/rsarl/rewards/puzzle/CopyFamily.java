package rsarl.rewards.puzzle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code copy}: repeat a random list of words and numbers exactly (4 to 6 + 4d items). Not a reasoning task: a
 * warm-up that teaches a randomly initialised toy model to copy from its context (the induction heads a pretrained
 * LM brings along), which reading and aggregating candidate solutions needs. The items are random, so nothing but
 * copying scores.
 */
final class CopyFamily implements PuzzleFamily {

    @Override
    public String name() {
        return "copy";
    }

    @Override
    public Puzzle generate(SplittableRandom rnd, int difficulty) {
        int n = rnd.nextInt(4, 7 + 4 * difficulty);
        List<String> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double u = rnd.nextDouble();
            if (u < 0.4) {
                items.add(Integer.toString(rnd.nextInt(0, 201)));
            } else if (u < 0.8) {
                items.add(Words.pick(rnd));
            } else {
                items.add("+-*=".charAt(rnd.nextInt(4)) + Integer.toString(rnd.nextInt(0, 21)));
            }
        }
        String text = String.join(" ", items);
        ObjectNode meta = Puzzles.meta();
        meta.put("text", text);
        return new Puzzle(name(), difficulty, "Repeat exactly: " + text + "." + ANSWER_FORMAT,
                PuzzleFamily.answerTag(text), text, meta);
    }

    @Override
    public double score(String answer, JsonNode metadata, String gold) {
        return clean(answer).equals(clean(gold)) ? 1 : 0;
    }

    private static String clean(String s) {
        return s.replaceAll("\\s+", " ").trim();
    }
}
