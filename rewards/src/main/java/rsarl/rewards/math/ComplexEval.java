package rsarl.rewards.math;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Evaluates an expression with {@code i} as the imaginary unit ({@code (1+i)^2} is {@code 2i},
 * {@code 5/i} is {@code -5i}); other variables take real sample values. Values are {re, im}; NaN where an
 * operation has no complex meaning here (roots of complex numbers, functions of them).
 */
final class ComplexEval {

    private static final double[] NAN = {Double.NaN, Double.NaN};

    private ComplexEval() {
    }

    /** Whether a and b agree at every sample point (at least three of them finite). */
    static boolean equal(Expr a, Expr b, Set<String> vars, double[][] samples) {
        List<String> names = vars.stream().filter(v -> !v.equals("i")).toList();
        if (names.size() > samples[0].length) {
            return false;
        }
        int valid = 0;
        for (double[] point : names.isEmpty() ? new double[][]{samples[0]} : samples) {
            Map<String, Double> env = new java.util.HashMap<>();
            for (int k = 0; k < names.size(); k++) {
                env.put(names.get(k), point[k]);
            }
            double[] x = eval(a, env);
            double[] y = eval(b, env);
            boolean fx = Double.isFinite(x[0]) && Double.isFinite(x[1]);
            boolean fy = Double.isFinite(y[0]) && Double.isFinite(y[1]);
            if (fx != fy) {
                return false;
            }
            if (!fx) {
                continue;
            }
            if (!near(x[0], y[0]) || !near(x[1], y[1])) {
                return false;
            }
            valid++;
        }
        return valid >= (names.isEmpty() ? 1 : 3);
    }

    private static boolean near(double x, double y) {
        return MathEquivalence.close(x, y) || MathEquivalence.closeAtSixDecimals(x, y);
    }

    static double[] eval(Expr e, Map<String, Double> env) {
        if (e instanceof Expr.Var v && v.name().equals("i")) {
            return new double[]{0, 1};
        }
        if (e instanceof Expr.Neg n) {
            double[] a = eval(n.arg(), env);
            return new double[]{-a[0], -a[1]};
        }
        if (e instanceof Expr.Bin b) {
            double[] x = eval(b.left(), env);
            double[] y = eval(b.right(), env);
            return switch (b.op()) {
                case '+' -> new double[]{x[0] + y[0], x[1] + y[1]};
                case '-' -> new double[]{x[0] - y[0], x[1] - y[1]};
                case '*' -> mul(x, y);
                case '/' -> div(x, y);
                default -> pow(x, y);
            };
        }
        if (e instanceof Expr.Fn f && f.name().equals("sqrt")) {
            double[] a = eval(f.arg(), env);
            if (a[1] == 0 && a[0] < 0) {
                return new double[]{0, Math.sqrt(-a[0])};
            }
        }
        Set<String> vars = new java.util.TreeSet<>();
        e.variables(vars);
        return vars.contains("i") ? NAN : new double[]{e.approx(env), 0};
    }

    private static double[] mul(double[] x, double[] y) {
        return new double[]{x[0] * y[0] - x[1] * y[1], x[0] * y[1] + x[1] * y[0]};
    }

    private static double[] div(double[] x, double[] y) {
        double d = y[0] * y[0] + y[1] * y[1];
        if (d == 0) {
            return NAN;
        }
        return new double[]{(x[0] * y[0] + x[1] * y[1]) / d, (x[1] * y[0] - x[0] * y[1]) / d};
    }

    /** Integer powers only (|n| at most 64): enough for answers such as (1+i)^2 or i^{-1}. */
    private static double[] pow(double[] x, double[] y) {
        if (y[1] != 0 || y[0] != Math.rint(y[0]) || Math.abs(y[0]) > 64) {
            return x[1] == 0 && y[1] == 0 ? new double[]{Math.pow(x[0], y[0]), 0} : NAN;
        }
        int n = (int) Math.abs(y[0]);
        double[] r = {1, 0};
        for (int k = 0; k < n; k++) {
            r = mul(r, x);
        }
        return y[0] < 0 ? div(new double[]{1, 0}, r) : r;
    }
}
