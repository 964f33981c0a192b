package rsarl.rewards.math;

import org.apache.commons.math3.fraction.BigFraction;

import java.math.BigInteger;
import java.util.Map;
import java.util.Set;

/**
 * A parsed scalar expression. Two evaluations: exact rational arithmetic (null when the value is not
 * a small rational) and double evaluation at given variable values. Both are bounded: exact results
 * larger than {@link #MAX_BITS} bits give up (null) so crafted towers like 9^9^9^9 stay cheap.
 */
public sealed interface Expr {

    int MAX_BITS = 4096;

    /** Exact rational value, or null when not rational, too large, or dependent on variables. */
    BigFraction exact();

    /** Double value with variables bound by {@code env} (missing variables give NaN). */
    double approx(Map<String, Double> env);

    /** Adds the names of free variables to {@code out}. */
    void variables(Set<String> out);

    static boolean tooBig(BigFraction f) {
        return f.getNumerator().bitLength() > MAX_BITS || f.getDenominator().bitLength() > MAX_BITS;
    }

    record Num(BigFraction value) implements Expr {
        public BigFraction exact() {
            return value;
        }

        public double approx(Map<String, Double> env) {
            return value.doubleValue();
        }

        public void variables(Set<String> out) {
        }
    }

    /** pi, e and infinity: never exact. */
    record Const(String name, double value) implements Expr {
        public BigFraction exact() {
            return null;
        }

        public double approx(Map<String, Double> env) {
            return value;
        }

        public void variables(Set<String> out) {
        }
    }

    record Var(String name) implements Expr {
        public BigFraction exact() {
            return null;
        }

        public double approx(Map<String, Double> env) {
            Double v = env.get(name);
            return v == null ? Double.NaN : v;
        }

        public void variables(Set<String> out) {
            out.add(name);
        }
    }

    record Neg(Expr arg) implements Expr {
        public BigFraction exact() {
            BigFraction a = arg.exact();
            return a == null ? null : a.negate();
        }

        public double approx(Map<String, Double> env) {
            return -arg.approx(env);
        }

        public void variables(Set<String> out) {
            arg.variables(out);
        }
    }

    record Bin(char op, Expr left, Expr right) implements Expr {
        public BigFraction exact() {
            BigFraction a = left.exact();
            if (a == null) {
                return null;
            }
            if (op == '^') {
                return exactPow(a, right.exact());
            }
            BigFraction b = right.exact();
            if (b == null) {
                return null;
            }
            BigFraction r;
            switch (op) {
                case '+' -> r = a.add(b);
                case '-' -> r = a.subtract(b);
                case '*' -> r = a.multiply(b);
                case '/' -> {
                    if (b.getNumerator().signum() == 0) {
                        return null;
                    }
                    r = a.divide(b);
                }
                default -> throw new IllegalStateException("op " + op);
            }
            return tooBig(r) ? null : r;
        }

        private static BigFraction exactPow(BigFraction base, BigFraction exp) {
            if (exp == null || !exp.getDenominator().equals(BigInteger.ONE)) {
                return null;
            }
            BigInteger e = exp.getNumerator();
            if (e.bitLength() > 31) {
                return null;
            }
            int n = e.intValue();
            if (base.getNumerator().signum() == 0) {
                return n > 0 ? BigFraction.ZERO : null;
            }
            long bits = (long) Math.max(base.getNumerator().bitLength(), base.getDenominator().bitLength()) * Math.abs(n);
            if (bits > MAX_BITS) {
                return null;
            }
            return base.pow(n);
        }

        public double approx(Map<String, Double> env) {
            double a = left.approx(env);
            double b = right.approx(env);
            return switch (op) {
                case '+' -> a + b;
                case '-' -> a - b;
                case '*' -> a * b;
                case '/' -> b == 0 ? Double.NaN : a / b; // 1/0 must not pass for infinity
                case '^' -> Math.pow(a, b);
                default -> throw new IllegalStateException("op " + op);
            };
        }

        public void variables(Set<String> out) {
            left.variables(out);
            right.variables(out);
        }
    }

    /** A named function of one argument (sqrt, sin, ln, abs, factorial, ...). */
    record Fn(String name, Expr arg) implements Expr {
        public BigFraction exact() {
            BigFraction a;
            switch (name) {
                case "sqrt" -> {
                    a = arg.exact();
                    return a == null ? null : exactRoot(a, 2);
                }
                case "abs" -> {
                    a = arg.exact();
                    return a == null ? null : a.abs();
                }
                case "fact" -> {
                    a = arg.exact();
                    if (a == null || !a.getDenominator().equals(BigInteger.ONE) || a.getNumerator().signum() < 0
                            || a.getNumerator().compareTo(BigInteger.valueOf(400)) > 0) {
                        return null;
                    }
                    BigInteger f = BigInteger.ONE;
                    for (int i = 2; i <= a.getNumerator().intValue(); i++) {
                        f = f.multiply(BigInteger.valueOf(i));
                    }
                    return new BigFraction(f);
                }
                default -> {
                    return null;
                }
            }
        }

        public double approx(Map<String, Double> env) {
            double a = arg.approx(env);
            return switch (name) {
                case "sqrt" -> Math.sqrt(a);
                case "abs" -> Math.abs(a);
                case "fact" -> factorial(a);
                case "sin" -> Math.sin(a);
                case "cos" -> Math.cos(a);
                case "tan" -> Math.tan(a);
                case "sec" -> 1 / Math.cos(a);
                case "csc" -> 1 / Math.sin(a);
                case "cot" -> 1 / Math.tan(a);
                case "arcsin" -> Math.asin(a);
                case "arccos" -> Math.acos(a);
                case "arctan" -> Math.atan(a);
                case "sinh" -> Math.sinh(a);
                case "cosh" -> Math.cosh(a);
                case "tanh" -> Math.tanh(a);
                case "ln" -> Math.log(a);
                case "log" -> Math.log10(a);
                case "lg" -> Math.log10(a);
                case "exp" -> Math.exp(a);
                default -> Double.NaN;
            };
        }

        private static double factorial(double a) {
            if (a < 0 || a != Math.rint(a) || a > 170) {
                return a > 170 ? Double.POSITIVE_INFINITY : Double.NaN;
            }
            double f = 1;
            for (int i = 2; i <= (int) a; i++) {
                f *= i;
            }
            return f;
        }

        public void variables(Set<String> out) {
            arg.variables(out);
        }
    }

    /** {@code \\sum_{var=lo}^{hi} body}: evaluated term by term (NaN for non-integer bounds or too many terms). */
    record Sum(String var, Expr lo, Expr hi, Expr body, int maxTerms) implements Expr {
        public BigFraction exact() {
            return null;
        }

        public double approx(Map<String, Double> env) {
            double a = lo.approx(env);
            double b = hi.approx(env);
            if (a != Math.rint(a) || b != Math.rint(b) || b - a + 1 > maxTerms) {
                return Double.NaN;
            }
            Map<String, Double> inner = new java.util.HashMap<>(env);
            double total = 0;
            for (long k = (long) a; k <= (long) b; k++) {
                inner.put(var, (double) k);
                total += body.approx(inner);
            }
            return total;
        }

        public void variables(Set<String> out) {
            Set<String> own = new java.util.TreeSet<>();
            body.variables(own);
            own.remove(var);
            out.addAll(own);
            lo.variables(out);
            hi.variables(out);
        }
    }

    /** n-th root; exact when the radicand is a perfect n-th power of a rational. */
    record Root(Expr arg, Expr degree) implements Expr {
        public BigFraction exact() {
            BigFraction a = arg.exact();
            BigFraction d = degree.exact();
            if (a == null || d == null || !d.getDenominator().equals(BigInteger.ONE) || d.getNumerator().bitLength() > 8
                    || d.getNumerator().signum() <= 0) {
                return null;
            }
            return exactRoot(a, d.getNumerator().intValue());
        }

        public double approx(Map<String, Double> env) {
            double a = arg.approx(env);
            double d = degree.approx(env);
            if (a < 0 && d == Math.rint(d) && ((long) d) % 2 == 1) {
                return -Math.pow(-a, 1 / d);
            }
            return Math.pow(a, 1 / d);
        }

        public void variables(Set<String> out) {
            arg.variables(out);
            degree.variables(out);
        }
    }

    private static BigFraction exactRoot(BigFraction a, int n) {
        if (n == 1) {
            return a;
        }
        boolean neg = a.getNumerator().signum() < 0;
        if (neg && n % 2 == 0) {
            return null;
        }
        BigInteger num = intRoot(a.getNumerator().abs(), n);
        BigInteger den = intRoot(a.getDenominator(), n);
        if (num == null || den == null) {
            return null;
        }
        BigFraction r = new BigFraction(num, den);
        return neg ? r.negate() : r;
    }

    /** Exact integer n-th root, or null when x is not a perfect n-th power. */
    private static BigInteger intRoot(BigInteger x, int n) {
        if (x.signum() == 0) {
            return BigInteger.ZERO;
        }
        BigInteger r;
        if (n == 2) {
            r = x.sqrt();
        } else {
            double guess = Math.pow(x.doubleValue(), 1.0 / n);
            if (Double.isInfinite(guess)) {
                return null;
            }
            r = BigInteger.valueOf(Math.round(guess));
        }
        for (BigInteger c : new BigInteger[]{r, r.add(BigInteger.ONE), r.subtract(BigInteger.ONE)}) {
            if (c.signum() >= 0 && c.pow(n).equals(x)) {
                return c;
            }
        }
        return null;
    }
}
