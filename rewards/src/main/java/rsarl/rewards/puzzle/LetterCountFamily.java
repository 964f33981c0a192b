package rsarl.rewards.puzzle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** {@code letter_count}: how often a letter occurs in d words; steps count word by word. */
final class LetterCountFamily implements PuzzleFamily {

    @Override
    public String name() {
        return "letter_count";
    }

    @Override
    public Puzzle generate(SplittableRandom rnd, int difficulty) {
        List<String> words = new ArrayList<>();
        for (int i = 0; i < difficulty; i++) {
            words.add(Words.pick(rnd));
        }
        String text = String.join(" ", words);
        char letter;
        if (rnd.nextInt(5) < 4) {
            String letters = text.replace(" ", "");
            letter = letters.charAt(rnd.nextInt(letters.length()));
        } else {
            letter = (char) ('a' + rnd.nextInt(26));
        }
        StringBuilder steps = new StringBuilder();
        long total = 0;
        for (String w : words) {
            long c = count(w, letter);
            total += c;
            steps.append(w).append(": ").append(c).append('\n');
        }
        String answer = Long.toString(total);
        ObjectNode meta = Puzzles.meta();
        meta.put("text", text);
        meta.put("letter", String.valueOf(letter));
        String question = "How many times does the letter \"" + letter + "\" appear in \"" + text + "\"?" + ANSWER_FORMAT;
        return new Puzzle(name(), difficulty, question, steps + PuzzleFamily.answerTag(answer), answer, meta);
    }

    private static long count(String text, char letter) {
        return text.chars().filter(c -> Character.toLowerCase(c) == Character.toLowerCase(letter)).count();
    }

    @Override
    public double score(String answer, JsonNode metadata, String gold) {
        List<Long> got = Puzzles.parseInts(answer);
        if (got == null || got.size() != 1) {
            return 0;
        }
        long want = metadata != null && metadata.has("text") && metadata.has("letter")
                ? count(metadata.get("text").asText(), metadata.get("letter").asText().charAt(0))
                : Long.parseLong(gold.trim());
        return got.get(0) == want ? 1 : 0;
    }
}
