package rsarl.rewards.math;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the final answer in a model response: the last {@code \boxed{}} / {@code \fbox{}} (brace
 * matched, also {@code \boxed 5}), else an "answer is ..." / "Answer: ..." line written after the last
 * math span, else the last inline or display math span, else a short bare answer.
 */
public final class MathExtractor {

    /** Longest response accepted as a bare answer (a whole response this short is taken as the answer). */
    public static final int MAX_BARE_LENGTH = 80;

    private static final Pattern ANSWER_LINE = Pattern.compile(
            "(?i)(?:final\\s+answer|answer)\\s*(?:is|:|=)\\s*:?\\s*([^\\n]+)");

    private MathExtractor() {
    }

    public static String extract(String response) {
        if (response == null) {
            return null;
        }
        String boxed = lastBoxed(response);
        if (boxed != null) {
            return boxed.trim();
        }
        if (response.contains("\\boxed") || response.contains("\\fbox")) {
            return null; // the last \boxed is cut off: no fallback to earlier math that happens to match
        }
        int[] math = lastMathSpan(response);
        Matcher m = ANSWER_LINE.matcher(response);
        int lineStart = -1;
        int lineEnd = -1;
        String line = null;
        while (m.find()) {
            lineStart = m.start();
            lineEnd = m.end();
            line = m.group(1);
        }
        // the answer line wins when it comes after the last math span or holds it
        if (line != null && (math == null || lineStart > math[2] || math[2] < lineEnd)) {
            int[] inner = lastMathSpan(line);
            String ans = inner != null ? line.substring(inner[0], inner[1]) : line;
            ans = ans.trim();
            while (ans.endsWith(".")) {
                ans = ans.substring(0, ans.length() - 1).trim();
            }
            if (!ans.isEmpty()) {
                return ans;
            }
        }
        if (math != null) {
            return response.substring(math[0], math[1]).trim();
        }
        String t = response.trim();
        if (!t.isEmpty() && t.length() <= MAX_BARE_LENGTH && t.indexOf('\n') < 0 && !t.contains("\\boxed")
                && !t.contains("\\fbox")) {
            return t;
        }
        return null;
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
