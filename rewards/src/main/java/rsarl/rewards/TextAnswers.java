package rsarl.rewards;

import rsarl.rewards.math.MathExtractor;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Shared extraction and normalization helpers for text-like answers. */
public final class TextAnswers {

    private static final Pattern ANSWER_TAG = Pattern.compile("(?is)<answer>(.*?)</answer>");
    private static final Pattern ANSWER_LINE = Pattern.compile(
            "(?i)(?:final\\s+answer|answer)\\s*(?:is|:)\\s*:?\\s*([^\\n]+)");
    private static final Pattern NON_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");

    private TextAnswers() {
    }

    /** Content of the last {@code <answer>..</answer>} pair, or null when there is none. */
    public static String lastAnswerTag(String response) {
        if (response.indexOf("</") < 0) {
            return null;
        }
        Matcher m = ANSWER_TAG.matcher(response);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last == null ? null : last.trim();
    }

    /** Text after the last "answer is" / "Answer:" marker (to the end of its line), or null. */
    public static String lastAnswerLine(String response) {
        Matcher m = ANSWER_LINE.matcher(response);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last == null ? null : last.trim();
    }

    /** Answer tag, else \boxed{}, else an answer line, else a short bare response. */
    public static String extractGeneric(String response) {
        if (response == null) {
            return null;
        }
        String tag = lastAnswerTag(response);
        if (tag != null) {
            return tag;
        }
        String boxed = MathExtractor.lastBoxed(response);
        if (boxed != null) {
            return boxed.trim();
        }
        String line = lastAnswerLine(response);
        if (line != null) {
            return line;
        }
        String t = response.trim();
        return !t.isEmpty() && t.length() <= MathExtractor.MAX_BARE_LENGTH && t.indexOf('\n') < 0 ? t : null;
    }

    /** Lower case, punctuation and markup removed, single spaces. */
    public static String normalize(String s) {
        String t = s.replace("\\text", " ").replace("\\mathrm", " ");
        t = NON_WORD.matcher(t.toLowerCase(Locale.ROOT)).replaceAll(" ").trim();
        return t;
    }
}
