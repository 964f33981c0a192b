package rsarl.rewards.math;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Turns a normalized answer string into a {@link MathAnswer}: matrices, sets, tuples/intervals, bare
 * lists, unions, relations, equations, scalar expressions, and text as the fallback.
 */
public final class AnswerParser {

    /** Longer answers are compared as text only: parsing cost stays bounded. */
    public static final int MAX_PARSE_LENGTH = 1000;
    private static final int MAX_DEPTH = 8;

    private static final Pattern SPACED_THOUSANDS = Pattern.compile("-?\\d{1,3}( \\d{3})+(\\.\\d+)?");
    private static final Pattern THOUSANDS = Pattern.compile("-?\\d{1,3}(,\\d{3})+(\\.\\d+)?");
    private static final Pattern WORDS = Pattern.compile("[A-Za-z][A-Za-z\\s'\\-]*");
    private static final Pattern SIMPLE_LHS = Pattern.compile("[A-Za-z](_\\{?\\w+\\}?)?'*(\\([^()=]*\\))?");
    private static final Pattern IN_PREFIX = Pattern.compile("^[A-Za-z]\\s*\\\\in\\s*");
    private static final Pattern TEXT_NOISE = Pattern.compile("[^a-z0-9+\\-*/^=<>().,\\[\\]{}| ]");
    private static final Pattern WS = Pattern.compile("\\s+");

    private AnswerParser() {
    }

    public static MathAnswer parse(String normalized) {
        return parse(normalized, 0);
    }

    private static MathAnswer parse(String s, int depth) {
        s = s.trim();
        if (s.length() > MAX_PARSE_LENGTH || depth > MAX_DEPTH) {
            return text(s);
        }
        if (s.isEmpty()) {
            return new MathAnswer.Text("");
        }
        if (s.startsWith("\\begin{") && s.contains("matrix}")) {
            MathAnswer m = matrix(s, depth);
            return m != null ? m : text(s);
        }
        if (s.contains("\\in")) {
            s = IN_PREFIX.matcher(s).replaceFirst("");
        }
        List<String> union = splitTop(s, "∪");
        if (union.size() > 1) {
            List<MathAnswer> parts = new ArrayList<>();
            for (String p : union) {
                parts.add(parse(p, depth + 1));
            }
            return new MathAnswer.Union(parts);
        }
        List<String> alternatives = splitWords(s);
        if (alternatives.size() > 1) {
            return unordered(alternatives, depth);
        }
        if (s.startsWith("\\{") && s.endsWith("\\}") && closingOf(s, 0) == s.length() - 1) {
            String inner = s.substring(2, s.length() - 2).trim();
            if (inner.isEmpty()) {
                return new MathAnswer.Unordered(List.of());
            }
            return unordered(splitTop(inner, ","), depth);
        }
        char first = s.charAt(0);
        char last = s.charAt(s.length() - 1);
        if ((first == '(' || first == '[') && (last == ')' || last == ']') && closingOf(s, 0) == s.length() - 1) {
            List<String> items = splitTop(s.substring(1, s.length() - 1), ",");
            if (items.size() > 1) {
                List<MathAnswer> parsed = new ArrayList<>();
                for (String item : items) {
                    parsed.add(parse(item, depth + 1));
                }
                return new MathAnswer.Seq(first, last, parsed);
            }
        }
        if (s.indexOf(',') > 0 && THOUSANDS.matcher(s).matches()) {
            s = s.replace(",", "");
        }
        if (s.indexOf(' ') > 0 && SPACED_THOUSANDS.matcher(s).matches()) {
            s = s.replace(" ", "");
        }
        if (s.contains("\\pm")) {
            MathAnswer pm = plusMinus(s, depth);
            if (pm != null) {
                return pm;
            }
        }
        List<String> commas = splitTop(s, ",");
        if (commas.size() > 1) {
            return unordered(commas, depth);
        }
        MathAnswer rel = relation(s, depth);
        if (rel != null) {
            return rel;
        }
        if (s.length() > 1 && Character.isLetter(s.charAt(0)) && WORDS.matcher(s).matches() && !s.equals("oo") && !s.equals("pi")) {
            return text(s);
        }
        try {
            Expr series = SeriesSum.of(s);
            return new MathAnswer.Scalar(series != null ? series : ExprParser.parse(s));
        } catch (ExprParser.ParseException e) {
            return text(s);
        }
    }

    /** {@code a \pm b} is the two answers a+b and a-b. */
    private static MathAnswer plusMinus(String s, int depth) {
        int at = s.indexOf("\\pm");
        if (s.indexOf("\\pm", at + 3) >= 0 || s.indexOf(',') >= 0 || s.indexOf('=') >= 0) {
            return null;
        }
        String rest = s.substring(at + 3);
        if (!rest.isEmpty() && Character.isLetter(rest.charAt(0))) {
            return null; // some other command such as \pmod
        }
        String head = s.substring(0, at);
        return unordered(List.of(head + "+" + rest, head + "-" + rest), depth);
    }

    private static MathAnswer unordered(List<String> parts, int depth) {
        List<MathAnswer> items = new ArrayList<>();
        for (String p : parts) {
            items.add(parse(p, depth + 1));
        }
        return new MathAnswer.Unordered(items);
    }

    /** Normalized text form: lower case, without markup noise and extra spaces. */
    public static MathAnswer.Text text(String s) {
        String t = s.toLowerCase(Locale.ROOT).replace("\\", " ");
        t = TEXT_NOISE.matcher(t).replaceAll(" ");
        t = WS.matcher(t).replaceAll(" ").trim();
        while (t.endsWith(".")) {
            t = t.substring(0, t.length() - 1).trim();
        }
        return new MathAnswer.Text(t);
    }

    private static MathAnswer relation(String s, int depth) {
        List<String> parts = new ArrayList<>();
        List<String> ops = new ArrayList<>();
        int level = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                level++;
            } else if (c == ')' || c == ']' || c == '}') {
                level--;
            } else if (level == 0 && (c == '<' || c == '>' || c == '=' || c == '!')) {
                String op;
                if (i + 1 < s.length() && s.charAt(i + 1) == '=') {
                    op = s.substring(i, i + 2);
                } else if (c == '=' && i + 1 < s.length() && s.charAt(i + 1) == '>') {
                    return null; // "=>" implication: not a relation we compare
                } else if (c == '!') {
                    continue; // factorial
                } else {
                    op = String.valueOf(c);
                }
                parts.add(s.substring(start, i).trim());
                ops.add(op.equals("==") ? "=" : op);
                i += op.length() - 1;
                start = i + 1;
            }
        }
        if (ops.isEmpty()) {
            return null;
        }
        parts.add(s.substring(start).trim());
        if (ops.stream().allMatch("="::equals)) {
            String lhs = parts.get(0);
            String rhs = parts.get(parts.size() - 1);
            if (parts.size() > 2) {
                return parse(rhs, depth + 1); // a chain a = b = 3: the last value
            }
            if (lhs.isEmpty()) {
                return parse(rhs, depth + 1);
            }
            if (SIMPLE_LHS.matcher(lhs).matches()) {
                return new MathAnswer.Assign(lhs, parse(rhs, depth + 1));
            }
            if (SIMPLE_LHS.matcher(rhs).matches()) {
                return new MathAnswer.Assign(rhs, parse(lhs, depth + 1));
            }
            try {
                return new MathAnswer.Equation(ExprParser.parse(lhs), ExprParser.parse(rhs));
            } catch (ExprParser.ParseException e) {
                return text(s);
            }
        }
        if (ops.contains("=")) {
            return text(s);
        }
        List<Expr> exprs = new ArrayList<>();
        for (String p : parts) {
            try {
                exprs.add(ExprParser.parse(p));
            } catch (ExprParser.ParseException e) {
                return text(s);
            }
        }
        return new MathAnswer.Relation(exprs, ops);
    }

    private static MathAnswer matrix(String s, int depth) {
        int beginEnd = s.indexOf('}');
        int end = s.lastIndexOf("\\end{");
        if (beginEnd < 0 || end < beginEnd) {
            return null;
        }
        String body = s.substring(beginEnd + 1, end).trim();
        List<List<MathAnswer>> rows = new ArrayList<>();
        for (String row : body.split("\u00a6")) {
            if (row.isBlank()) {
                continue;
            }
            List<MathAnswer> cells = new ArrayList<>();
            for (String cell : row.split("&")) {
                cells.add(parse(cell, depth + 1));
            }
            rows.add(cells);
        }
        return rows.isEmpty() ? null : new MathAnswer.Matrix(rows);
    }

    /** Splits on " or " / " and " at bracket level 0 (the answer "1 or 2" is a list of two). */
    private static List<String> splitWords(String s) {
        if (s.indexOf(' ') < 0) {
            return List.of(s);
        }
        String lower = s.toLowerCase(Locale.ROOT);
        if (!lower.contains(" or ") && !lower.contains(" and ")) {
            return List.of(s);
        }
        List<String> out = new ArrayList<>();
        int level = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                level++;
            } else if (c == ')' || c == ']' || c == '}') {
                level--;
            } else if (level == 0 && c == ' ') {
                int w = lower.startsWith(" or ", i) ? 4 : lower.startsWith(" and ", i) ? 5 : 0;
                if (w > 0) {
                    String part = s.substring(start, i).trim();
                    if (part.endsWith(",")) {
                        part = part.substring(0, part.length() - 1);
                    }
                    out.addAll(splitTop(part, ","));
                    start = i + w;
                    i += w - 1;
                }
            }
        }
        out.add(s.substring(start).trim());
        out.removeIf(String::isBlank);
        return out;
    }

    /** Splits at a separator outside any bracket, brace or \{..\}. */
    static List<String> splitTop(String s, String sep) {
        if (!s.contains(sep)) {
            return List.of(s);
        }
        List<String> out = new ArrayList<>();
        int level = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                level++;
            } else if (c == ')' || c == ']' || c == '}') {
                level--;
            } else if (level == 0 && s.startsWith(sep, i)) {
                out.add(s.substring(start, i).trim());
                start = i + sep.length();
                i += sep.length() - 1;
            }
        }
        out.add(s.substring(start).trim());
        return out;
    }

    /** Index of the bracket closing the one at {@code open} (any of ( [ { and \{ count), -1 if none. */
    static int closingOf(String s, int open) {
        int level = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                level++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (--level == 0) {
                    return i;
                }
            }
        }
        return -1;
    }
}
