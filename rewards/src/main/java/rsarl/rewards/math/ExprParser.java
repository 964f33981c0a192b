package rsarl.rewards.math;

import org.apache.commons.math3.fraction.BigFraction;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import rsarl.rewards.math.ExprLexer.Kind;
import rsarl.rewards.math.ExprLexer.Tok;

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

    private static final int MAX_DEPTH = 60;
    /** Longest \\sum a grader expands. */
    private static final int MAX_SUM_TERMS = 10_000;

    private final List<Tok> toks;
    private int pos;
    private int depth;

    private ExprParser(List<Tok> toks) {
        this.toks = toks;
    }

    public static Expr parse(String s) throws ParseException {
        ExprParser p = new ExprParser(new ArrayList<>(ExprLexer.lex(s)));
        if (p.toks.isEmpty()) {
            throw new ParseException("empty");
        }
        Expr e = p.sum();
        if (p.pos != p.toks.size()) {
            throw new ParseException("trailing input at token " + p.pos);
        }
        return e;
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
        return switch (t.kind()) {
            case NUM, VAR, FUNC, CONST, SUM -> true;
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
        if (t.kind() == Kind.NUM) {
            pos++;
            if (t.text().length() > 1 && t.text().chars().allMatch(Character::isDigit)) {
                // split "12" into "1" and push back "2"
                toks.set(pos - 1, new Tok(Kind.NUM, t.text().substring(1)));
                pos--;
                return number(t.text().substring(0, 1));
            }
            return number(t.text());
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
        switch (t.kind()) {
            case NUM -> {
                pos++;
                r = number(t.text());
            }
            case VAR -> {
                pos++;
                r = new Expr.Var(t.text());
            }
            case CONST -> {
                pos++;
                r = switch (t.text()) {
                    case "pi" -> new Expr.Const("pi", Math.PI);
                    case "e" -> new Expr.Const("e", Math.E);
                    default -> new Expr.Const("oo", Double.POSITIVE_INFINITY);
                };
            }
            case FUNC -> {
                pos++;
                r = function(t.text());
            }
            case SUM -> {
                pos++;
                r = sum(t.text());
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
                    throw new ParseException("unexpected '" + t.text() + "'");
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
            case "binom" -> {
                Expr top = group();
                Expr k = group();
                Expr den = new Expr.Bin('*', new Expr.Fn("fact", k), new Expr.Fn("fact", new Expr.Bin('-', top, k)));
                return new Expr.Bin('/', new Expr.Fn("fact", top), den);
            }
            default -> {
                // \sin^2 x means (sin x)^2
                Expr pow = null;
                if (accept('^')) {
                    pow = exponent();
                }
                Expr arg = argument();
                Expr f = name.startsWith("log_")
                        ? new Expr.Bin('/', new Expr.Fn("ln", arg), new Expr.Fn("ln", parse(name.substring(4))))
                        : new Expr.Fn(name, arg);
                return pow == null ? f : new Expr.Bin('^', f, pow);
            }
        }
    }

    /** A function's argument: a bracket, or an implicit product without brackets ("\\sin 2x" is sin(2x)). */
    private Expr argument() throws ParseException {
        Tok t = peek();
        if (t != null && (t.is('(') || t.is('{'))) {
            return primary();
        }
        Expr arg = power();
        for (Tok u = peek(); u != null && (u.kind() == Kind.VAR || u.kind() == Kind.CONST); u = peek()) {
            arg = new Expr.Bin('*', arg, power());
        }
        return arg;
    }

    /** {@code \\sum_{k=a}^{b} body} with integer bounds, at most {@link #MAX_SUM_TERMS} terms. */
    private Expr sum(String header) throws ParseException {
        String[] p = header.split(";", 3);
        if (p.length != 3 || !p[0].matches("[A-Za-z]")) {
            throw new ParseException("bad \\sum index");
        }
        Expr lo = parse(p[1]);
        Expr hi = parse(p[2]);
        Expr body = argument();
        return new Expr.Sum(p[0], lo, hi, body, MAX_SUM_TERMS);
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
