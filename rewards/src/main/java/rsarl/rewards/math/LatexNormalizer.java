package rsarl.rewards.math;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * String-level cleanup of an extracted answer before parsing: math delimiters, {@code \boxed},
 * {@code \text{}} wrappers, spacing commands, {@code \left/\right}, degree signs, dollar signs and
 * percent signs (remembered in {@link Normalized#percent()}), fraction variants, relation symbols and
 * trailing unit words after a number.
 */
public final class LatexNormalizer {

    /** The cleaned answer and whether it carried a percent sign. */
    public record Normalized(String text, boolean percent) {
    }

    private static final String[][] REPLACEMENTS = {
            {"\\dfrac", "\\frac"}, {"\\tfrac", "\\frac"}, {"\\cfrac", "\\frac"},
            {"\\displaystyle", ""}, {"\\left.", ""}, {"\\right.", ""},
            {"\\Rightarrow", " => "}, {"\\rightarrow", " => "}, {"\\implies", " => "}, {"\\to", " => "},
            {"\\left\\lbrace", "\\{"}, {"\\right\\rbrace", "\\}"}, {"\\lbrace", "\\{"}, {"\\rbrace", "\\}"},
            {"\\left", ""}, {"\\right", ""},
            {"\\biggl", ""}, {"\\biggr", ""}, {"\\Biggl", ""}, {"\\Biggr", ""}, {"\\bigl", ""}, {"\\bigr", ""},
            {"\\Bigl", ""}, {"\\Bigr", ""}, {"\\bigg", ""}, {"\\Bigg", ""}, {"\\big", ""}, {"\\Big", ""},
            {"\\!", ""}, {"\\,", " "}, {"\\;", " "}, {"\\:", " "}, {"\\ ", " "}, {"\\qquad", " "}, {"\\quad", " "},
            {"~", " "},
            {"^{\\circ}", ""}, {"^\\circ", ""}, {"^{\\degree}", ""}, {"\\degree", ""}, {"\\circ", ""}, {"°", ""},
            {"\\%", "%"}, {"\\$", ""},
            {"\\cdots", " \\dots "}, {"\\ldots", " \\dots "}, {"\\cdot", "*"}, {"\\times", "*"}, {"\\ast", "*"}, {"×", "*"}, {"·", "*"}, {"\\div", "/"}, {"÷", "/"},
            {"\\leqslant", "<="}, {"\\leq", "<="}, {"\\le", "<="}, {"≤", "<="},
            {"\\geqslant", ">="}, {"\\geq", ">="}, {"\\ge", ">="}, {"≥", ">="},
            {"\\lt", "<"}, {"\\gt", ">"}, {"\\neq", "!="}, {"\\ne", "!="}, {"≠", "!="},
            {"\\infty", " oo "}, {"∞", " oo "}, {"\\pi", " pi "}, {"π", " pi "},
            {"\\cup", " ∪ "}, {"\\emptyset", "\\{\\}"}, {"\\varnothing", "\\{\\}"}, {"∅", "\\{\\}"},
            {"\\approx", "="}, {"≈", "="}, {"\\langle", "("}, {"\\rangle", ")"}, {"⟨", "("}, {"⟩", ")"},
            {"\\lvert", "|"}, {"\\rvert", "|"}, {"\\vert", "|"}, {"\\mid", "|"},
            {"−", "-"}, {"\\minus", "-"}, {"√", "\\sqrt"}, {"²", "^2"}, {"³", "^3"},
    };

    /** Stands for a LaTeX row break {@code \\} after normalization. */
    public static final String ROW_BREAK = " \u00a6 ";

    private static final Pattern TEXT_CMD =
            Pattern.compile("\\\\(?:text|textbf|textit|textrm|textnormal|mathrm|mathbf|mathit|mathsf|mathbb|mbox|operatorname|rm|bf|hbox)\\s*\\{");
    private static final Pattern DOUBLED_BACKSLASH = Pattern.compile("\\\\\\\\(?=[A-Za-z{}$%(\\[\\])!,])");
    private static final Pattern THOUSANDS_BRACE = Pattern.compile("(\\d)\\{,\\}(\\d)");
    private static final Pattern THIN_SPACE_THOUSANDS = Pattern.compile("(\\d)\\s*\\\\,\\s*(\\d{3})(?!\\d)");
    private static final Pattern NUMBER_WITH_UNITS =
            Pattern.compile("^(-?[0-9][0-9.,/]*|-?[0-9.]*\\s*\\*?\\s*(?:\\\\sqrt\\{[^{}]*\\}|pi))\\s*(\\p{L}[\\p{L}.]*(?:\\s+\\p{L}[\\p{L}.]*)*)(\\s*\\^\\{?[23]\\}?)?$");
    /** One-letter units a number may carry ("12 m^2", "5 s"); other single letters are variables. */
    private static final java.util.Set<String> SHORT_UNITS = java.util.Set.of("m", "g", "s", "h", "L", "J", "N", "W", "V", "K");
    private static final Pattern WS = Pattern.compile("\\s+");

    private LatexNormalizer() {
    }

    public static Normalized normalize(String raw) {
        String s = raw.trim();
        if (s.contains("\\\\") && (!s.contains("\\begin") || s.contains("\\\\begin"))) {
            s = DOUBLED_BACKSLASH.matcher(s).replaceAll("\\\\"); // escaped twice: \\frac is \frac
        }
        s = stripDelimiters(s);
        if (s.contains("{,}")) {
            s = THOUSANDS_BRACE.matcher(s).replaceAll("$1$2");
        }
        boolean latex = s.indexOf('\\') >= 0;
        if (latex) {
            if (s.contains("\\,")) {
                for (String t = null; !s.equals(t); ) {
                    t = s;
                    s = THIN_SPACE_THOUSANDS.matcher(s).replaceAll("$1$2");
                }
            }
            s = unwrapTextCommands(s);
            s = s.replace("\\\\", ROW_BREAK); // matrix row breaks must survive the "\ " spacing rule
        }
        boolean special = hasSpecialChars(s);
        if (latex || special) {
            for (String[] r : REPLACEMENTS) {
                if ((latex || r[0].charAt(0) != '\\') && s.contains(r[0])) {
                    s = s.replace(r[0], r[1]);
                }
            }
        }
        boolean percent = s.indexOf('%') >= 0;
        if (percent) {
            s = s.replace("%", "");
        }
        s = collapseSpaces(s);
        while (s.endsWith(".") || s.endsWith(",") || s.endsWith(";")) {
            s = s.substring(0, s.length() - 1).trim();
        }
        s = stripDelimiters(s);
        if (s.startsWith("=")) {
            s = s.substring(1).trim(); // "\\approx 3.14"
        }
        if (s.indexOf(' ') > 0 && (Character.isDigit(s.charAt(0)) || s.charAt(0) == '-')) {
            Matcher m = NUMBER_WITH_UNITS.matcher(s);
            if (m.matches() && (m.group(2).length() > 1 || SHORT_UNITS.contains(m.group(2)) || m.group(3) != null)
                    && isUnitWords(m.group(2))) {
                s = m.group(1).trim();
            }
        }
        return new Normalized(s, percent);
    }

    /** Non-ASCII symbols or '~' that have replacements. */
    private static boolean hasSpecialChars(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 127 || c == '~') {
                return true;
            }
        }
        return false;
    }

    /** Trims and turns every whitespace run into one space (no allocation when already clean). */
    static String collapseSpaces(String s) {
        int n = s.length();
        boolean clean = true;
        for (int i = 0; i < n && clean; i++) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)
                    && (c != ' ' || i == 0 || i == n - 1 || Character.isWhitespace(s.charAt(i + 1)))) {
                clean = false;
            }
        }
        if (clean) {
            return s;
        }
        StringBuilder sb = new StringBuilder(n);
        boolean pending = false;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                pending = sb.length() > 0;
            } else {
                if (pending) {
                    sb.append(' ');
                    pending = false;
                }
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static final java.util.Set<String> NOT_UNITS = java.util.Set.of("pi", "oo", "e", "or", "and", "sin", "cos",
            "tan", "ln", "log", "exp", "sqrt", "i", "x", "y", "z", "n", "k", "a", "b", "c");

    private static boolean isUnitWords(String words) {
        for (String w : WS.split(words)) {
            if (NOT_UNITS.contains(w.toLowerCase(java.util.Locale.ROOT))) {
                return false;
            }
        }
        return true;
    }

    /** Removes surrounding $..$, $$..$$, \(..\), \[..\] and a whole-string \boxed{..} / \fbox{..}. */
    public static String stripDelimiters(String s) {
        while (true) {
            String t = s.trim();
            if (t.length() >= 4 && t.startsWith("$$") && t.endsWith("$$")) {
                t = t.substring(2, t.length() - 2);
            } else if (t.length() >= 2 && t.startsWith("$") && t.endsWith("$")) {
                t = t.substring(1, t.length() - 1);
            } else if (t.length() >= 4 && (t.startsWith("\\(") && t.endsWith("\\)") || t.startsWith("\\[") && t.endsWith("\\]"))) {
                t = t.substring(2, t.length() - 2);
            } else if (t.startsWith("\\boxed") || t.startsWith("\\fbox")) {
                String inner = MathExtractor.lastBoxed(t);
                int cmdLen = t.startsWith("\\boxed") ? 6 : 5;
                if (inner != null && t.indexOf("\\boxed", cmdLen) < 0 && t.indexOf("\\fbox", cmdLen) < 0
                        && (t.endsWith("}") || !t.contains("{"))) {
                    t = inner;
                } else {
                    return t;
                }
            } else {
                return t;
            }
            s = t;
        }
    }

    /** Replaces \text{X} (and similar font/box commands) by " X ", brace-matched, nested ones too. */
    static String unwrapTextCommands(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        Matcher m = TEXT_CMD.matcher(s);
        while (m.find()) {
            int open = m.end() - 1;
            int close = MathExtractor.matchBrace(s, open);
            if (close < 0) {
                return s;
            }
            s = s.substring(0, m.start()) + " " + s.substring(open + 1, close) + " " + s.substring(close + 1);
            m = TEXT_CMD.matcher(s);
        }
        return s;
    }
}
