package rsarl.rewards.math;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Tokens of a normalized scalar expression: numbers (decimal, scientific, with a base subscript such as
 * {@code 1010_2}), single-letter variables with subscripts and primes, functions ({@code \log_2} keeps
 * its base), constants, {@code \sum_{k=a}^{b}} headers and operators.
 */
final class ExprLexer {

    enum Kind { NUM, VAR, FUNC, CONST, SUM, OP }

    record Tok(Kind kind, String text) {
        boolean is(char c) {
            return kind == Kind.OP && text.length() == 1 && text.charAt(0) == c;
        }
    }

    static final int MAX_TOKENS = 600;
    static final Set<String> FUNCTIONS = Set.of("sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos",
            "arctan", "sinh", "cosh", "tanh", "ln", "log", "lg", "exp", "sqrt", "frac", "abs", "binom");

    private final String s;
    private final int n;
    private int i;
    private final List<Tok> out = new ArrayList<>();

    private ExprLexer(String s) {
        this.s = s;
        this.n = s.length();
    }

    static List<Tok> lex(String s) throws ExprParser.ParseException {
        ExprLexer l = new ExprLexer(s);
        l.run();
        return l.out;
    }

    private void run() throws ExprParser.ParseException {
        while (i < n) {
            if (out.size() > MAX_TOKENS) {
                throw new ExprParser.ParseException("too many tokens");
            }
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(s.charAt(i + 1)))) {
                number();
            } else if (c == '\\') {
                int j = i + 1;
                while (j < n && Character.isLetter(s.charAt(j))) {
                    j++;
                }
                String name = s.substring(i + 1, j);
                i = j;
                command(name);
            } else if (Character.isLetter(c)) {
                int j = i;
                while (j < n && Character.isLetter(s.charAt(j))) {
                    j++;
                }
                String run = s.substring(i, j);
                if (FUNCTIONS.contains(run)) {
                    i = j;
                    function(run);
                } else if (run.equals("pi") || run.equals("oo")) {
                    out.add(new Tok(Kind.CONST, run));
                    i = j;
                } else {
                    variable(c); // single letters: "xy" is x*y
                }
            } else if ("+-*/^!()[]{}|".indexOf(c) >= 0) {
                out.add(new Tok(Kind.OP, String.valueOf(c)));
                i++;
            } else {
                throw new ExprParser.ParseException("unexpected character '" + c + "'");
            }
        }
    }

    private void command(String name) throws ExprParser.ParseException {
        switch (name) {
            case "pi" -> out.add(new Tok(Kind.CONST, "pi"));
            case "infty" -> out.add(new Tok(Kind.CONST, "oo"));
            case "sum" -> sum();
            case "dbinom", "tbinom" -> out.add(new Tok(Kind.FUNC, "binom"));
            default -> {
                if (!FUNCTIONS.contains(name)) {
                    throw new ExprParser.ParseException("unknown command \\" + name);
                }
                function(name);
            }
        }
    }

    /** A function name; {@code log_b} carries its base in the token text. */
    private void function(String name) throws ExprParser.ParseException {
        if (name.equals("log") && i < n && s.charAt(i) == '_') {
            i++;
            out.add(new Tok(Kind.FUNC, "log_" + groupText()));
        } else {
            out.add(new Tok(Kind.FUNC, name));
        }
    }

    /** {@code \sum_{k=a}^{b}}: one token "k;a;b" (the body follows as ordinary tokens). */
    private void sum() throws ExprParser.ParseException {
        if (i >= n || s.charAt(i) != '_') {
            throw new ExprParser.ParseException("\\sum without bounds");
        }
        i++;
        String lower = groupText();
        int eq = lower.indexOf('=');
        if (eq <= 0 || i >= n || s.charAt(i) != '^') {
            throw new ExprParser.ParseException("\\sum needs _{k=a}^{b}");
        }
        i++;
        String upper = groupText();
        out.add(new Tok(Kind.SUM, lower.substring(0, eq).trim() + ";" + lower.substring(eq + 1) + ";" + upper));
    }

    /** A brace group's text, or one character. */
    private String groupText() throws ExprParser.ParseException {
        while (i < n && s.charAt(i) == ' ') {
            i++;
        }
        if (i >= n) {
            throw new ExprParser.ParseException("missing group");
        }
        if (s.charAt(i) == '{') {
            int close = MathExtractor.matchBrace(s, i);
            if (close < 0) {
                throw new ExprParser.ParseException("unclosed group");
            }
            String g = s.substring(i + 1, close);
            i = close + 1;
            return g;
        }
        return String.valueOf(s.charAt(i++));
    }

    private void number() throws ExprParser.ParseException {
        int j = i;
        while (j < n && Character.isDigit(s.charAt(j))) {
            j++;
        }
        boolean integer = true;
        if (j < n && s.charAt(j) == '.' && j + 1 < n && Character.isDigit(s.charAt(j + 1))) {
            integer = false;
            j++;
            while (j < n && Character.isDigit(s.charAt(j))) {
                j++;
            }
        }
        // scientific notation 1.5e-3 (only with digits after the e, so 2e stays 2*e)
        if (j + 1 < n && (s.charAt(j) == 'e' || s.charAt(j) == 'E')) {
            int k = j + 1;
            if (s.charAt(k) == '+' || s.charAt(k) == '-') {
                k++;
            }
            if (k < n && Character.isDigit(s.charAt(k))) {
                while (k < n && Character.isDigit(s.charAt(k))) {
                    k++;
                }
                integer = false;
                j = k;
            }
        }
        if (!out.isEmpty() && out.get(out.size() - 1).kind == Kind.NUM) {
            throw new ExprParser.ParseException("two numbers in a row"); // "2 3" is not 6
        }
        String text = s.substring(i, j);
        i = j;
        if (integer && i < n && s.charAt(i) == '_') {
            i++;
            text = fromBase(text, groupText().trim());
        }
        out.add(new Tok(Kind.NUM, text));
    }

    /** 1010_2 is ten: the digits read in the subscript's base (2 to 36). */
    private static String fromBase(String digits, String base) throws ExprParser.ParseException {
        int b;
        try {
            b = Integer.parseInt(base);
        } catch (NumberFormatException e) {
            throw new ExprParser.ParseException("bad base " + base);
        }
        if (b < 2 || b > 36 || digits.length() > 200) {
            throw new ExprParser.ParseException("bad base " + base);
        }
        try {
            return new BigInteger(digits, b).toString();
        } catch (NumberFormatException e) {
            throw new ExprParser.ParseException("digit out of range for base " + b);
        }
    }

    private void variable(char c) throws ExprParser.ParseException {
        StringBuilder name = new StringBuilder().append(c);
        int k = i + 1;
        if (k < n && s.charAt(k) == '_') {
            k++;
            if (k < n && s.charAt(k) == '{') {
                int close = s.indexOf('}', k);
                if (close < 0) {
                    throw new ExprParser.ParseException("unclosed subscript");
                }
                name.append('_').append(s, k + 1, close);
                k = close + 1;
            } else if (k < n && Character.isLetterOrDigit(s.charAt(k))) {
                name.append('_').append(s.charAt(k));
                k++;
            } else {
                throw new ExprParser.ParseException("bad subscript");
            }
        }
        while (k < n && s.charAt(k) == '\'') {
            name.append('\'');
            k++;
        }
        String v = name.toString();
        out.add(v.equals("e") ? new Tok(Kind.CONST, "e") : new Tok(Kind.VAR, v));
        i = k;
    }
}
