package rsarl.rewards.math;

import org.apache.commons.math3.fraction.BigFraction;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Decides whether two parsed answers are the same mathematical answer. Scalars: exact rational
 * arithmetic when both sides are rational, else double evaluation (at fixed pseudo-random points when
 * variables occur) with a tight relative tolerance. Deterministic: the sample points are fixed.
 */
public final class MathEquivalence {

    private static final double REL_TOL = 1e-9;
    private static final int POINTS = 6;
    private static final double[][] SAMPLES = samples();

    private MathEquivalence() {
    }

    /**
     * @param gold   the reference answer (its form decides whether inequalities are read as intervals)
     * @param answer the candidate
     */
    public static boolean equivalent(MathAnswer gold, MathAnswer answer) {
        BUDGET.get()[0] = MAX_SCALAR_COMPARISONS;
        return eq(gold, answer, 0);
    }

    /** Caps the scalar comparisons of one call: nested sets of sets cannot make matching quadratic-squared. */
    private static final int MAX_SCALAR_COMPARISONS = 5000;
    private static final ThreadLocal<int[]> BUDGET = ThreadLocal.withInitial(() -> new int[]{MAX_SCALAR_COMPARISONS});

    private static boolean eq(MathAnswer a, MathAnswer b, int depth) {
        if (depth > 10) {
            return false;
        }
        if (a instanceof MathAnswer.Unordered u && u.items().size() == 1) {
            return eq(u.items().get(0), b, depth + 1);
        }
        if (b instanceof MathAnswer.Unordered u && u.items().size() == 1) {
            return eq(a, u.items().get(0), depth + 1);
        }
        if (a instanceof MathAnswer.Assign || b instanceof MathAnswer.Assign) {
            return assignEq(a, b, depth);
        }
        if (a instanceof MathAnswer.Scalar x && b instanceof MathAnswer.Equation y && numericIdentity(y)) {
            return scalarEq(x.expr(), y.rhs()); // "2 + 5 = 7" answers 7
        }
        if (Intervals.isIntervalLike(a)) {
            List<Intervals.Interval> ia = Intervals.of(a);
            List<Intervals.Interval> ib = Intervals.of(b);
            if (ia != null && ib != null && (ia.size() > 1 || ib.size() > 1 || !(a instanceof MathAnswer.Seq && b instanceof MathAnswer.Seq))) {
                return Intervals.same(ia, ib);
            }
        }
        if (a instanceof MathAnswer.Scalar x && b instanceof MathAnswer.Scalar y) {
            return scalarEq(x.expr(), y.expr());
        }
        if (a instanceof MathAnswer.Text x && b instanceof MathAnswer.Text y) {
            return !x.text().isEmpty() && x.text().equals(y.text());
        }
        if (a instanceof MathAnswer.Seq x && b instanceof MathAnswer.Seq y) {
            return x.open() == y.open() && x.close() == y.close() && ordered(x.items(), y.items(), depth);
        }
        if (a instanceof MathAnswer.Seq x && b instanceof MathAnswer.Unordered y) {
            return ordered(x.items(), y.items(), depth); // (1, 2) answered as "1, 2"
        }
        if (a instanceof MathAnswer.Unordered x && b instanceof MathAnswer.Seq y && y.open() == '(') {
            return unordered(x.items(), y.items(), depth);
        }
        if (a instanceof MathAnswer.Unordered x && b instanceof MathAnswer.Unordered y) {
            return unordered(x.items(), y.items(), depth);
        }
        if (a instanceof MathAnswer.Union x && b instanceof MathAnswer.Union y) {
            return unordered(x.parts(), y.parts(), depth);
        }
        if (a instanceof MathAnswer.Matrix x && b instanceof MathAnswer.Matrix y) {
            if (x.rows().size() != y.rows().size()) {
                return false;
            }
            for (int i = 0; i < x.rows().size(); i++) {
                if (!ordered(x.rows().get(i), y.rows().get(i), depth)) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof MathAnswer.Matrix x && b instanceof MathAnswer.Seq y && y.open() == '(') {
            List<MathAnswer> v = vector(x);
            return v != null && ordered(v, y.items(), depth);
        }
        if (a instanceof MathAnswer.Seq x && x.open() == '(' && b instanceof MathAnswer.Matrix y) {
            List<MathAnswer> v = vector(y);
            return v != null && ordered(x.items(), v, depth);
        }
        if (a instanceof MathAnswer.Equation x && b instanceof MathAnswer.Equation y) {
            Expr da = new Expr.Bin('-', x.lhs(), x.rhs());
            Expr db = new Expr.Bin('-', y.lhs(), y.rhs());
            return scalarEq(da, db) || scalarEq(da, new Expr.Neg(db));
        }
        if (a instanceof MathAnswer.Relation x && b instanceof MathAnswer.Relation y) {
            return x.ops().equals(y.ops()) && x.parts().size() == y.parts().size() && allScalarEq(x.parts(), y.parts());
        }
        return false;
    }

    /** {@code x = 5} is the answer 5; two assignments compare values; against an equation it is one. */
    private static boolean assignEq(MathAnswer a, MathAnswer b, int depth) {
        if (a instanceof MathAnswer.Assign x && b instanceof MathAnswer.Assign y) {
            return eq(x.value(), y.value(), depth + 1);
        }
        if (a instanceof MathAnswer.Assign x && b instanceof MathAnswer.Equation) {
            return x.value() instanceof MathAnswer.Scalar v && eq(asEquation(x.name(), v), b, depth + 1);
        }
        if (b instanceof MathAnswer.Assign y && a instanceof MathAnswer.Equation) {
            return y.value() instanceof MathAnswer.Scalar v && eq(a, asEquation(y.name(), v), depth + 1);
        }
        return a instanceof MathAnswer.Assign x ? eq(x.value(), b, depth + 1) : eq(a, ((MathAnswer.Assign) b).value(), depth + 1);
    }

    private static MathAnswer asEquation(String name, MathAnswer.Scalar value) {
        try {
            return new MathAnswer.Equation(ExprParser.parse(name), value.expr());
        } catch (ExprParser.ParseException e) {
            return new MathAnswer.Text(name);
        }
    }

    /** Both sides are numbers and equal (a worked line such as 2 + 5 = 7). */
    private static boolean numericIdentity(MathAnswer.Equation e) {
        Set<String> vars = new TreeSet<>();
        e.lhs().variables(vars);
        e.rhs().variables(vars);
        return vars.isEmpty() && scalarEq(e.lhs(), e.rhs());
    }

    private static boolean allScalarEq(List<Expr> a, List<Expr> b) {
        for (int i = 0; i < a.size(); i++) {
            if (!scalarEq(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static List<MathAnswer> vector(MathAnswer.Matrix m) {
        if (m.rows().size() == 1) {
            return m.rows().get(0);
        }
        List<MathAnswer> col = new ArrayList<>();
        for (List<MathAnswer> row : m.rows()) {
            if (row.size() != 1) {
                return null;
            }
            col.add(row.get(0));
        }
        return col;
    }

    private static boolean ordered(List<MathAnswer> a, List<MathAnswer> b, int depth) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!eq(a.get(i), b.get(i), depth + 1)) {
                return false;
            }
        }
        return true;
    }

    /** Multiset match: every item pairs with a distinct equivalent item on the other side. */
    private static boolean unordered(List<MathAnswer> a, List<MathAnswer> b, int depth) {
        if (a.size() != b.size()) {
            return false;
        }
        boolean[] used = new boolean[b.size()];
        outer:
        for (MathAnswer x : a) {
            for (int j = 0; j < b.size(); j++) {
                if (!used[j] && eq(x, b.get(j), depth + 1)) {
                    used[j] = true;
                    continue outer;
                }
            }
            return false;
        }
        return true;
    }

    // ------------------------------------------------------------------ scalars

    static boolean scalarEq(Expr a, Expr b) {
        if (--BUDGET.get()[0] < 0) {
            return false;
        }
        Set<String> vars = new TreeSet<>();
        a.variables(vars);
        b.variables(vars);
        if (vars.contains("i")) {
            return ComplexEval.equal(a, b, vars, SAMPLES);
        }
        if (vars.isEmpty()) {
            BigFraction ea = a.exact();
            if (ea != null) {
                BigFraction eb = b.exact();
                if (eb != null && ea.equals(eb)) {
                    return true;
                }
            }
            double x = a.approx(Map.of());
            double y = b.approx(Map.of());
            return close(x, y) || closeAtSixDecimals(x, y);
        }
        if (vars.size() > SAMPLES[0].length) {
            return false;
        }
        List<String> names = new ArrayList<>(vars);
        int valid = 0;
        Map<String, Double> env = new HashMap<>();
        for (double[] point : SAMPLES) {
            for (int i = 0; i < names.size(); i++) {
                env.put(names.get(i), point[i]);
            }
            double x = a.approx(env);
            double y = b.approx(env);
            boolean fx = Double.isFinite(x);
            boolean fy = Double.isFinite(y);
            if (fx != fy) {
                return false;
            }
            if (!fx) {
                continue;
            }
            if (!close(x, y)) {
                return false;
            }
            valid++;
        }
        return valid >= 3;
    }

    static boolean close(double x, double y) {
        if (Double.isNaN(x) || Double.isNaN(y)) {
            return false;
        }
        if (Double.isInfinite(x) || Double.isInfinite(y)) {
            return x == y;
        }
        return Math.abs(x - y) <= REL_TOL * Math.max(1.0, Math.max(Math.abs(x), Math.abs(y)));
    }

    /**
     * Numeric answers agree to six decimals ({@code 0.333333} for 1/3, {@code 6.283185} for 2 pi); below
     * 0.001 the tolerance is relative so tiny values do not all collapse to 0.
     */
    static boolean closeAtSixDecimals(double x, double y) {
        if (!Double.isFinite(x) || !Double.isFinite(y)) {
            return false;
        }
        double d = Math.abs(x - y);
        double m = Math.max(Math.abs(x), Math.abs(y));
        return m >= 1e-3 ? d <= 5.000001e-7 : d <= 1e-6 * m;
    }

    private static double[][] samples() {
        SplittableRandom rnd = new SplittableRandom(0x5EEDL);
        double[][] s = new double[POINTS][12];
        for (double[] p : s) {
            for (int i = 0; i < p.length; i++) {
                p[i] = 0.3 + 2.4 * rnd.nextDouble();
            }
        }
        return s;
    }
}
