package rsarl.rewards.math;

import java.util.ArrayList;
import java.util.List;

/**
 * Intervals, unions and inequalities as one form: {@code x > 2} is {@code (2, oo)}, {@code -2 <= x <= 7}
 * is {@code [-2, 7]}, {@code x != 1} is {@code (-oo, 1) U (1, oo)}; compared as multisets of intervals.
 */
final class Intervals {

    private Intervals() {
    }

    record Interval(boolean openLeft, Expr lo, Expr hi, boolean openRight) {
    }

    static boolean isIntervalLike(MathAnswer a) {
        return a instanceof MathAnswer.Union || a instanceof MathAnswer.Relation
                || (a instanceof MathAnswer.Seq s && s.items().size() == 2)
                || (a instanceof MathAnswer.Unordered u && !u.items().isEmpty()
                && u.items().stream().allMatch(MathAnswer.Relation.class::isInstance));
    }

    static List<Interval> of(MathAnswer a) {
        List<Interval> out = new ArrayList<>();
        return addIntervals(a, out) ? out : null;
    }

    private static boolean addIntervals(MathAnswer a, List<Interval> out) {
        if (a instanceof MathAnswer.Seq s && s.items().size() == 2
                && s.items().get(0) instanceof MathAnswer.Scalar lo && s.items().get(1) instanceof MathAnswer.Scalar hi) {
            out.add(new Interval(s.open() == '(', lo.expr(), hi.expr(), s.close() == ')'));
            return true;
        }
        if (a instanceof MathAnswer.Union u) {
            for (MathAnswer p : u.parts()) {
                if (!addIntervals(p, out)) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof MathAnswer.Unordered u && !u.items().isEmpty()) {
            for (MathAnswer p : u.items()) {
                if (!(p instanceof MathAnswer.Relation) || !addIntervals(p, out)) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof MathAnswer.Relation r) {
            return relationIntervals(r, out);
        }
        return false;
    }

    private static final Expr NEG_INF = new Expr.Neg(new Expr.Const("oo", Double.POSITIVE_INFINITY));
    private static final Expr POS_INF = new Expr.Const("oo", Double.POSITIVE_INFINITY);

    private static boolean relationIntervals(MathAnswer.Relation r, List<Interval> out) {
        List<Expr> p = r.parts();
        List<String> ops = r.ops();
        if (p.size() == 2) {
            boolean varLeft = p.get(0) instanceof Expr.Var;
            boolean varRight = p.get(1) instanceof Expr.Var;
            if (varLeft == varRight) {
                return false;
            }
            Expr v = varLeft ? p.get(1) : p.get(0);
            String op = varLeft ? ops.get(0) : flip(ops.get(0));
            switch (op) {
                case "<" -> out.add(new Interval(true, NEG_INF, v, true));
                case "<=" -> out.add(new Interval(true, NEG_INF, v, false));
                case ">" -> out.add(new Interval(true, v, POS_INF, true));
                case ">=" -> out.add(new Interval(false, v, POS_INF, true));
                case "!=" -> {
                    out.add(new Interval(true, NEG_INF, v, true));
                    out.add(new Interval(true, v, POS_INF, true));
                }
                default -> {
                    return false;
                }
            }
            return true;
        }
        if (p.size() == 3 && p.get(1) instanceof Expr.Var && !(p.get(0) instanceof Expr.Var) && !(p.get(2) instanceof Expr.Var)) {
            String o1 = ops.get(0);
            String o2 = ops.get(1);
            if (o1.startsWith("<") && o2.startsWith("<")) {
                out.add(new Interval(o1.equals("<"), p.get(0), p.get(2), o2.equals("<")));
                return true;
            }
            if (o1.startsWith(">") && o2.startsWith(">")) {
                out.add(new Interval(o2.equals(">"), p.get(2), p.get(0), o1.equals(">")));
                return true;
            }
        }
        return false;
    }

    private static String flip(String op) {
        return switch (op) {
            case "<" -> ">";
            case "<=" -> ">=";
            case ">" -> "<";
            case ">=" -> "<=";
            default -> op;
        };
    }

    static boolean same(List<Interval> a, List<Interval> b) {
        if (a.size() != b.size()) {
            return false;
        }
        boolean[] used = new boolean[b.size()];
        outer:
        for (Interval x : a) {
            for (int j = 0; j < b.size(); j++) {
                Interval y = b.get(j);
                if (!used[j] && x.openLeft() == y.openLeft() && x.openRight() == y.openRight()
                        && MathEquivalence.scalarEq(x.lo(), y.lo()) && MathEquivalence.scalarEq(x.hi(), y.hi())) {
                    used[j] = true;
                    continue outer;
                }
            }
            return false;
        }
        return true;
    }
}
