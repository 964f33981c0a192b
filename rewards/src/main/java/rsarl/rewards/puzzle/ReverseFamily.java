package rsarl.rewards.puzzle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code reverse}: spell a word backward (short words at d=1, longer at d=2, d-1 words from d=3,
 * the whole text reversed character by character).
 */
final class ReverseFamily implements PuzzleFamily {

    @Override
    public String name() {
        return "reverse";
    }

    @Override
    public Puzzle generate(SplittableRandom rnd, int difficulty) {
        String text;
        if (difficulty == 1) {
            text = Words.pick(rnd, 3, 5);
        } else if (difficulty == 2) {
            text = Words.pick(rnd, 6, 12);
        } else {
            List<String> words = new ArrayList<>();
            for (int i = 0; i < difficulty - 1; i++) {
                words.add(Words.pick(rnd));
            }
            text = String.join(" ", words);
        }
        String answer = new StringBuilder(text).reverse().toString();
        String solution = "letters: " + String.join("-", text.split("")) + "\nbackward: "
                + String.join("-", answer.split("")) + "\n" + PuzzleFamily.answerTag(answer);
        ObjectNode meta = Puzzles.meta();
        meta.put("text", text);
        return new Puzzle(name(), difficulty, "Spell \"" + text + "\" backward." + ANSWER_FORMAT, solution, answer, meta);
    }

    @Override
    public double score(String answer, JsonNode metadata, String gold) {
        String want = metadata != null && metadata.has("text")
                ? new StringBuilder(metadata.get("text").asText()).reverse().toString() : gold;
        return clean(answer).equals(clean(want)) ? 1 : 0;
    }

    private static String clean(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.length() >= 2 && (t.startsWith("\"") && t.endsWith("\"") || t.startsWith("'") && t.endsWith("'"))) {
            t = t.substring(1, t.length() - 1);
        }
        return t.replaceAll("\\s+", " ").trim();
    }
}
