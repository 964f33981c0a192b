package rsarl.rewards.math;

import org.apache.commons.math3.fraction.BigFraction;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser for normalized LaTeX / plain-text scalar expressions: numbers, variables,
 * + - * / ^ !, implicit multiplication, {@code \frac}, {@code \sqrt[n]{}}, pi, e, common functions
 * and |x|. Input size and nesting depth are capped so hostile input fails fast instead of running long.
 */
public final class ExprParser {

    /** Thrown for anything that is not a well-formed expression. */
    public static final class ParseException extends Exception {
        ParseException(String msg) {
            super(msg, null, false, false);
        }
    }

    private static final int MAX_TOKENS = 600;
    private static final int MAX_DEPTH = 60;
    private static final Set<String> FUNCTIONS = Set.of("sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos",
            "arctan", "sinh", "cosh", "tanh", "ln", "log", "lg", "exp", "sqrt", "frac", "abs");

    private enum Kind { NUM, VAR, FUNC, CONST, OP }

    private record Tok(Kind kind, String text) {
        boolean is(char c) {
            return kind == Kind.OP && text.length() == 1 && text.charAt(0) == c;
        }
    }

    private final List<Tok> toks;
    private int pos;
    private int depth;

    private ExprParser(List<Tok> toks) {
        this.toks = toks;
    }

    public static Expr parse(String s) throws ParseException {
        ExprParser p = new ExprParser(lex(s));
        if (p.toks.isEmpty()) {
            throw new ParseException("empty");
        }
        Expr e = p.sum();
        if (p.pos != p.toks.size()) {
            throw new ParseException("trailing input at token " + p.pos);
        }
        return e;
    }

    // ---------------------------------------------------------------- lexer

    private static List<Tok> lex(String s) throws ParseException {
        List<Tok> out = new ArrayList<>();
        int n = s.length();
        int i = 0;
        while (i < n) {
            if (out.size() > MAX_TOKENS) {
                throw new ParseException("too many tokens");
            }
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(s.charAt(i + 1)))) {
                int j = i;
                while (j < n && Character.isDigit(s.charAt(j))) {
                    j++;
                }
                if (j < n && s.charAt(j) == '.' && j + 1 < n && Character.isDigit(s.charAt(j + 1))) {
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
                        j = k;
                    }
                }
                if (!out.isEmpty() && out.get(out.size() - 1).kind == Kind.NUM) {
                    throw new ParseException("two numbers in a row"); // "2 3" is not 6
                }
                out.add(new Tok(Kind.NUM, s.substring(i, j)));
                i = j;
            } else if (c == '\\') {
                int j = i + 1;
                while (j < n && Character.isLetter(s.charAt(j))) {
                    j++;
                }
                String name = s.substring(i + 1, j);
                if (name.equals("pi")) {
                    out.add(new Tok(Kind.CONST, "pi"));
                } else if (name.equals("infty")) {
                    out.add(new Tok(Kind.CONST, "oo"));
                } else if (name.equals("e") || name.equals("mathrm")) {
                    throw new ParseException("unexpected command \\" + name);
                } else if (FUNCTIONS.contains(name)) {
                    out.add(new Tok(Kind.FUNC, name));
                } else {
                    throw new ParseException("unknown command \\" + name);
                }
                i = j;
            } else if (Character.isLetter(c)) {
                int j = i;
                while (j < n && Character.isLetter(s.charAt(j))) {
                    j++;
                }
                String run = s.substring(i, j);
                if (FUNCTIONS.contains(run)) {
                    out.add(new Tok(Kind.FUNC, run));
                    i = j;
                } else if (run.equals("pi") || run.equals("oo")) {
                    out.add(new Tok(Kind.CONST, run));
                    i = j;
                } else {
                    // single-letter variables; a run like "xy" is the product x*y
                    StringBuilder name = new StringBuilder().append(c);
                    int k = i + 1;
                    if (k < n && s.charAt(k) == '_') {
                        k++;
                        if (k < n && s.charAt(k) == '{') {
                            int close = s.indexOf('}', k);
                            if (close < 0) {
                                throw new ParseException("unclosed subscript");
                            }
                            name.append('_').append(s, k + 1, close);
                            k = close + 1;
                        } else if (k < n && Character.isLetterOrDigit(s.charAt(k))) {
                            name.append('_').append(s.charAt(k));
                            k++;
                        } else {
                            throw new ParseException("bad subscript");
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
            } else if ("+-*/^!()[]{}|".indexOf(c) >= 0) {
                out.add(new Tok(Kind.OP, String.valueOf(c)));
                i++;
            } else {
                throw new ParseException("unexpected character '" + c + "'");
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- grammar

    private Tok peek() {
        return pos < toks.size() ? toks.get(pos) : null;
    }

    private boolean accept(char c) {
        Tok t = peek();
        if (t != null && t.is(c)) {
            pos++;
            return true;
        }
        return false;
    }

    private void expect(char c) throws ParseException {
        if (!accept(c)) {
            throw new ParseException("expected '" + c + "' at token " + pos);
        }
    }

    private void enter() throws ParseException {
        if (++depth > MAX_DEPTH) {
            throw new ParseException("nested too deeply");
        }
    }

    private Expr sum() throws ParseException {
        enter();
        Expr left = term();
        while (true) {
            if (accept('+')) {
                left = new Expr.Bin('+', left, term());
            } else if (accept('-')) {
                left = new Expr.Bin('-', left, term());
            } else {
                break;
            }
        }
        depth--;
        return left;
    }

    private Expr term() throws ParseException {
        Expr left = unary();
        while (true) {
            Tok t = peek();
            if (t == null) {
                break;
            }
            if (accept('*')) {
                left = new Expr.Bin('*', left, unary());
            } else if (accept('/')) {
                left = new Expr.Bin('/', left, unary());
            } else if (startsFactor(t)) {
                Expr right = power();
                if (isMixedNumber(left, right)) {
                    left = new Expr.Bin('+', left, right);
                } else {
                    left = new Expr.Bin('*', left, right);
                }
            } else {
                break;
            }
        }
        return left;
    }

    /** 2\frac{1}{2} is the mixed number 2 1/2 when both parts are plain integers. */
    private static boolean isMixedNumber(Expr left, Expr right) {
        return left instanceof Expr.Num a && a.value().getDenominator().equals(BigInteger.ONE)
                && a.value().getNumerator().signum() > 0
                && right instanceof Expr.Bin b && b.op() == '/' && b.left() instanceof Expr.Num bn
                && b.right() instanceof Expr.Num bd && bn.value().getDenominator().equals(BigInteger.ONE)
                && bd.value().getDenominator().equals(BigInteger.ONE) && bn.value().compareTo(bd.value()) < 0
                && bn.value().getNumerator().signum() > 0;
    }

    private static boolean startsFactor(Tok t) {
        return switch (t.kind) {
            case NUM, VAR, FUNC, CONST -> true;
            case OP -> t.is('(') || t.is('{');
        };
    }

    private Expr unary() throws ParseException {
        enter();
        Expr r;
        if (accept('-')) {
            r = new Expr.Neg(unary());
        } else if (accept('+')) {
            r = unary();
        } else {
            r = power();
        }
        depth--;
        return r;
    }

    private Expr power() throws ParseException {
        enter();
        Expr base = postfix();
        if (accept('^')) {
            Expr exp = exponent();
            base = new Expr.Bin('^', base, exp);
        }
        depth--;
        return base;
    }

    private Expr exponent() throws ParseException {
        if (accept('-')) {
            return new Expr.Neg(exponent());
        }
        if (accept('+')) {
            return exponent();
        }
        return power();
    }

    private Expr postfix() throws ParseException {
        Expr e = primary();
        while (accept('!')) {
            e = new Expr.Fn("fact", e);
        }
        return e;
    }

    private Expr group() throws ParseException {
        Tok t = peek();
        if (t == null) {
            throw new ParseException("missing argument");
        }
        if (accept('{')) {
            Expr e = sum();
            expect('}');
            return e;
        }
        // \frac12: a single digit or letter argument
        if (t.kind == Kind.NUM) {
            pos++;
            if (t.text.length() > 1 && t.text.chars().allMatch(Character::isDigit)) {
                // split "12" into "1" and push back "2"
                toks.set(pos - 1, new Tok(Kind.NUM, t.text.substring(1)));
                pos--;
                return number(t.text.substring(0, 1));
            }
            return number(t.text);
        }
        return primary();
    }

    private Expr primary() throws ParseException {
        enter();
        Tok t = peek();
        if (t == null) {
            throw new ParseException("unexpected end");
        }
        Expr r;
        switch (t.kind) {
            case NUM -> {
                pos++;
                r = number(t.text);
            }
            case VAR -> {
                pos++;
                r = new Expr.Var(t.text);
            }
            case CONST -> {
                pos++;
                r = switch (t.text) {
                    case "pi" -> new Expr.Const("pi", Math.PI);
                    case "e" -> new Expr.Const("e", Math.E);
                    default -> new Expr.Const("oo", Double.POSITIVE_INFINITY);
                };
            }
            case FUNC -> {
                pos++;
                r = function(t.text);
            }
            default -> {
                if (accept('(')) {
                    r = sum();
                    expect(')');
                } else if (accept('{')) {
                    r = sum();
                    expect('}');
                } else if (accept('[')) {
                    r = sum();
                    expect(']');
                } else if (accept('|')) {
                    r = new Expr.Fn("abs", sum());
                    expect('|');
                } else {
                    throw new ParseException("unexpected '" + t.text + "'");
                }
            }
        }
        depth--;
        return r;
    }

    private Expr function(String name) throws ParseException {
        switch (name) {
            case "frac" -> {
                Expr num = group();
                Expr den = group();
                return new Expr.Bin('/', num, den);
            }
            case "sqrt" -> {
                if (accept('[')) {
                    Expr degree = sum();
                    expect(']');
                    return new Expr.Root(group(), degree);
                }
                return new Expr.Fn("sqrt", group());
            }
            default -> {
                // \sin^2 x means (sin x)^2
                Expr pow = null;
                if (accept('^')) {
                    pow = exponent();
                }
                Expr arg;
                Tok t = peek();
                if (t != null && (t.is('(') || t.is('{'))) {
                    arg = primary();
                } else {
                    arg = power();
                }
                Expr f = new Expr.Fn(name, arg);
                return pow == null ? f : new Expr.Bin('^', f, pow);
            }
        }
    }

    private static Expr number(String text) throws ParseException {
        if (text.length() <= 18 && text.chars().allMatch(Character::isDigit)) {
            return new Expr.Num(new BigFraction(Long.parseLong(text)));
        }
        try {
            BigDecimal d = new BigDecimal(text);
            if (Math.abs((long) d.scale()) > 400 || d.precision() > 400) {
                throw new ParseException("number too long");
            }
            BigInteger unscaled = d.unscaledValue();
            BigFraction f = d.scale() >= 0
                    ? new BigFraction(unscaled, BigInteger.TEN.pow(d.scale()))
                    : new BigFraction(unscaled.multiply(BigInteger.TEN.pow(-d.scale())));
            return new Expr.Num(f);
        } catch (NumberFormatException e) {
            throw new ParseException("bad number " + text);
        }
    }
}
