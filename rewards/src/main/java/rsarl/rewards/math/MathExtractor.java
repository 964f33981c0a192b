package rsarl.rewards.math;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the final answer in a model response. Only the text after the last {@code </think>} counts (an
 * unclosed {@code <think>} has no answer). Then, in order: the final run of {@code \boxed{}} /
 * {@code \fbox{}} (see {@link BoxedAnswers}), the last answer cue in any of several languages (see
 * {@link AnswerCues}), the last inline or display math span, a short bare answer, and the one number of
 * the closing sentence.
 */
public final class MathExtractor {

    /** Longest response accepted as a bare answer (a whole response this short is taken as the answer). */
    public static final int MAX_BARE_LENGTH = 80;

    /** The extracted answer, or null with the reason there is none. */
    public record Extraction(String answer, String problem) {
    }

    private static final Pattern NUMBER = Pattern.compile("-?\\d+(?:[.,]\\d+)*(?:/\\d+)?");
    private static final Pattern WORD = Pattern.compile("\\p{L}{3,}");
    private static final Pattern COMMAND = Pattern.compile("\\\\[A-Za-z]+");
    private static final Pattern SENTENCE_END = Pattern.compile("[.!?。！？](?:\\s|$)|\\n");

    private MathExtractor() {
    }

    public static String extract(String response) {
        return extractDetailed(response).answer();
    }

    public static Extraction extractDetailed(String response) {
        if (response == null) {
            return new Extraction(null, "no response");
        }
        String s = AnswerCues.afterThinking(response);
        if (s == null) {
            return new Extraction(null, "unclosed <think>: no answer after the thinking");
        }
        if (s.indexOf("\\\\boxed") >= 0 || s.indexOf("\\\\frac") >= 0) {
            s = s.replace("\\\\", "\\"); // escaped twice (JSON inside JSON)
        }
        BoxedAnswers.Result boxed = BoxedAnswers.read(s);
        if (boxed != null) {
            return boxed.answer() == null || boxed.answer().isBlank()
                    ? new Extraction(null, boxed.problem() != null ? boxed.problem() : "empty \\boxed{}")
                    : new Extraction(boxed.answer(), null);
        }
        String found = fromCue(s);
        if (found == null) {
            int[] math = lastMathSpan(s);
            if (math != null) {
                found = s.substring(math[0], math[1]).trim();
            }
        }
        if (found == null) {
            found = bare(s);
        }
        return found == null || found.isEmpty() ? new Extraction(null, "no final answer found") : new Extraction(found, null);
    }

    /** The answer after the last cue: its last math span, else its text; a cue ending in ':' takes the next math. */
    private static String fromCue(String s) {
        AnswerCues.Cue cue = AnswerCues.lastCue(s);
        if (cue == null) {
            return null;
        }
        String line = cue.text();
        if (line.isEmpty() || line.endsWith(":")) {
            int[] next = lastMathSpan(s.substring(cue.end()));
            return next == null ? null : s.substring(cue.end()).substring(next[0], next[1]).trim();
        }
        int[] inner = lastMathSpan(line);
        return inner != null ? line.substring(inner[0], inner[1]).trim() : line;
    }

    /** A short one-line response as it is; else (or when it is a sentence) the one number of the last sentence. */
    private static String bare(String s) {
        String t = s.trim();
        boolean oneLine = !t.isEmpty() && t.length() <= MAX_BARE_LENGTH && t.indexOf('\n') < 0;
        boolean words = WORD.matcher(COMMAND.matcher(t).replaceAll(" ")).find();
        if (oneLine && !words) {
            return t;
        }
        String last = lastSentence(t);
        Matcher m = NUMBER.matcher(last);
        String number = null;
        int count = 0;
        while (m.find()) {
            number = m.group();
            count++;
        }
        if (count == 1) {
            return number;
        }
        return oneLine ? t : null;
    }

    private static String lastSentence(String t) {
        Matcher m = SENTENCE_END.matcher(t);
        int start = 0;
        int end = t.length();
        while (m.find()) {
            if (m.start() >= t.length() - 1 || t.substring(m.end()).isBlank()) {
                end = m.start();
                break;
            }
            start = m.end();
        }
        return t.substring(start, Math.max(start, end));
    }

    /** Content of the last \boxed / \fbox, brace matched; also "\boxed 5"; null if none or unbalanced. */
    public static String lastBoxed(String s) {
        int b = s.lastIndexOf("\\boxed");
        int f = s.lastIndexOf("\\fbox");
        int at = Math.max(b, f);
        if (at < 0) {
            return null;
        }
        int i = at + (at == b ? 6 : 5);
        int n = s.length();
        if (i < n && s.charAt(i) == '{') {
            int close = matchBrace(s, i);
            return close < 0 ? null : s.substring(i + 1, close);
        }
        if (i < n && s.charAt(i) == ' ') {
            while (i < n && s.charAt(i) == ' ') {
                i++;
            }
            if (i < n && s.charAt(i) == '{') {
                int close = matchBrace(s, i);
                return close < 0 ? null : s.substring(i + 1, close);
            }
            int j = i;
            while (j < n && !Character.isWhitespace(s.charAt(j)) && s.charAt(j) != '$') {
                j++;
            }
            return j > i ? s.substring(i, j) : null;
        }
        return null;
    }

    /** Index of the brace closing the one at {@code open}, skipping escaped braces; -1 if unbalanced. */
    public static int matchBrace(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
                continue;
            }
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                if (--depth == 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    /**
     * The last complete math span of {@code $..$}, {@code $$..$$}, {@code \(..\)} or {@code \[..\]}:
     * {contentStart, contentEnd, spanStart}; null if none.
     */
    static int[] lastMathSpan(String s) {
        int[] last = null;
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < n) {
                char d = s.charAt(i + 1);
                if (d == '(' || d == '[') {
                    String close = d == '(' ? "\\)" : "\\]";
                    int end = s.indexOf(close, i + 2);
                    if (end < 0) {
                        return last;
                    }
                    last = new int[]{i + 2, end, i};
                    i = end + 2;
                    continue;
                }
                i += 2;
                continue;
            }
            if (c == '$') {
                boolean display = i + 1 < n && s.charAt(i + 1) == '$';
                int start = i + (display ? 2 : 1);
                int end = display ? s.indexOf("$$", start) : indexOfUnescapedDollar(s, start);
                if (end < 0) {
                    return last;
                }
                if (end > start) {
                    last = new int[]{start, end, i};
                }
                i = end + (display ? 2 : 1);
                continue;
            }
            i++;
        }
        return last;
    }

    private static int indexOfUnescapedDollar(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '$') {
                return i;
            }
        }
        return -1;
    }
}
