package rsarl.rewards.math;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads every {@code \boxed{}} of a response. The final run of boxes written together ("\boxed{1} and
 * \boxed{2}", one per line, "x = \boxed{1}, x = \boxed{2}") is one answer, the list of their contents. A
 * response that boxes different candidates while hedging ("Maybe \boxed{5}? Or \boxed{6}?") has none.
 */
final class BoxedAnswers {

    /** What the boxes say: the answer, or why there is none ({@code answer} null). */
    record Result(String answer, String problem) {
    }

    private record Box(int start, int end, String content) {
    }

    /** Text that may separate boxes of one answer: spaces, $, commas, "and"/"or", "x =", \quad, \text{ and }. */
    private static final Pattern JOINER = Pattern.compile(
            "(?i)(?:\\s|\\$|,|;|&|\\\\\\\\|\\\\quad|\\\\qquad|\\\\text\\{\\s*(?:and|or|,)?\\s*\\}|\\band\\b|\\bor\\b"
                    + "|\\\\?[a-z](?:_\\{?\\w+\\}?)?\\s*=|\\\\[(\\[\\])])*");
    private static final Pattern HEDGE = Pattern.compile(
            "(?iu)\\?|\\b(?:or|maybe|perhaps|possibly|alternatively|either|might|could|not\\s+sure)\\b");
    private static final int MAX_JOINER = 40;

    private BoxedAnswers() {
    }

    /** Null when the response has no \boxed / \fbox at all. */
    static Result read(String s) {
        if (!s.contains("\\boxed") && !s.contains("\\fbox")) {
            return null;
        }
        List<Box> boxes = boxes(s);
        if (boxes == null) {
            return new Result(null, "the last \\boxed{} is not closed");
        }
        int first = boxes.size() - 1;
        while (first > 0 && joins(s.substring(boxes.get(first - 1).end(), boxes.get(first).start()))) {
            first--;
        }
        Set<String> group = new LinkedHashSet<>();
        for (int i = first; i < boxes.size(); i++) {
            group.add(boxes.get(i).content().strip());
        }
        for (int i = 0; i < first; i++) {
            String gap = s.substring(boxes.get(i).end(), boxes.get(i + 1).start());
            if (!group.contains(boxes.get(i).content().strip()) && HEDGE.matcher(gap).find()) {
                return new Result(null, "hedging: several different boxed answers");
            }
        }
        return new Result(String.join(", ", group), null);
    }

    private static boolean joins(String gap) {
        return gap.length() <= MAX_JOINER && JOINER.matcher(gap).matches();
    }

    /** All boxes in order; null when the last one is cut off. */
    private static List<Box> boxes(String s) {
        List<Box> out = new ArrayList<>();
        int from = 0;
        int b = s.indexOf("\\boxed");
        int f = s.indexOf("\\fbox");
        while (true) {
            if (b >= 0 && b < from) {
                b = s.indexOf("\\boxed", from); // each search resumes where the last box ended: linear overall
            }
            if (f >= 0 && f < from) {
                f = s.indexOf("\\fbox", from);
            }
            int at = b < 0 ? f : f < 0 ? b : Math.min(b, f);
            if (at < 0) {
                return out;
            }
            int i = at + (at == b ? 6 : 5);
            while (i < s.length() && s.charAt(i) == ' ') {
                i++;
            }
            if (i < s.length() && s.charAt(i) == '{') {
                int close = MathExtractor.matchBrace(s, i);
                if (close < 0) {
                    return null;
                }
                out.add(new Box(at, close + 1, s.substring(i + 1, close)));
                from = close + 1;
            } else {
                int j = i;
                while (j < s.length() && !Character.isWhitespace(s.charAt(j)) && s.charAt(j) != '$') {
                    j++;
                }
                if (j > i) {
                    out.add(new Box(at, j, s.substring(i, j)));
                } else if (j >= s.length()) {
                    return null;
                }
                from = Math.max(j, at + 1);
            }
        }
    }
}
