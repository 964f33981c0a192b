package rsarl.rewards;

import rsarl.rewards.math.MathExtractor;
import rsarl.rewards.puzzle.PuzzleFamily;
import rsarl.rewards.puzzle.Puzzles;

/**
 * Puzzles: the text between the last {@code <answer>} tags (or a short bare answer) scored by the
 * family's exact checker from {@code Problem.metadata}. Some families give partial credit.
 */
public final class PuzzleVerifier implements Verifier {

    private final PuzzleFamily family;

    public PuzzleVerifier(String family) {
        this.family = Puzzles.family(family);
    }

    @Override
    public String extract(String response, Problem problem) {
        if (response == null) {
            return null;
        }
        String tag = TextAnswers.lastAnswerTag(response);
        if (tag != null) {
            return tag;
        }
        String t = response.trim();
        boolean bare = !t.isEmpty() && t.length() <= MathExtractor.MAX_BARE_LENGTH && t.indexOf('\n') < 0
                && !t.contains("<answer>");
        return bare ? t : null;
    }

    @Override
    public Grade grade(String response, Problem problem) {
        String extracted = extract(response, problem);
        if (extracted == null || extracted.isEmpty()) {
            return new Grade(0, extracted, "no <answer> found");
        }
        double s;
        try {
            s = family.score(extracted, problem.metadata(), problem.answer() == null ? "" : problem.answer());
        } catch (RuntimeException e) {
            return new Grade(0, extracted, "unscorable: " + e.getMessage());
        }
        return new Grade(s, extracted, s >= 1 ? "correct" : s > 0 ? "partially correct" : "wrong");
    }

    @Override
    public boolean equivalent(String a, String b, Problem problem) {
        return !a.isBlank() && canonical(a).equals(canonical(b));
    }

    /** Case and spacing ignored; signs and digits kept (they matter for puzzle answers). */
    private static String canonical(String s) {
        return s.trim().toLowerCase(java.util.Locale.ROOT).replaceAll("\\s*,\\s*", ",").replaceAll("\\s+", " ");
    }
}
