package rsarl.rewards.math;

import org.apache.commons.math3.fraction.BigFraction;

import java.math.BigInteger;
import java.util.List;

/** {@code 1 + 2 + \cdots + 10}: an arithmetic series written with dots, summed exactly. */
final class SeriesSum {

    private static final int MAX_TERMS = 1_000_000;

    private SeriesSum() {
    }

    /** The series' value, or null when the text is not a sum "a + b + ... + z" of an arithmetic progression. */
    static Expr of(String s) throws ExprParser.ParseException {
        if (!s.contains("dots") && !s.contains("...")) {
            return null;
        }
        List<String> terms = AnswerParser.splitTop(s.replace("...", "\\cdots"), "+");
        int dots = -1;
        for (int k = 0; k < terms.size(); k++) {
            String t = terms.get(k);
            if (t.equals("\\cdots") || t.equals("\\ldots") || t.equals("\\dots")) {
                if (dots >= 0) {
                    return null;
                }
                dots = k;
            }
        }
        if (dots < 2 || dots != terms.size() - 2) {
            return null;
        }
        BigFraction[] v = new BigFraction[dots];
        for (int k = 0; k < dots; k++) {
            v[k] = ExprParser.parse(terms.get(k)).exact();
            if (v[k] == null) {
                return null;
            }
        }
        BigFraction last = ExprParser.parse(terms.get(terms.size() - 1)).exact();
        BigFraction d = v[1].subtract(v[0]);
        for (int k = 2; k < dots; k++) {
            if (!v[k].subtract(v[k - 1]).equals(d)) {
                return null;
            }
        }
        if (last == null || d.getNumerator().signum() == 0) {
            return null;
        }
        BigFraction steps = last.subtract(v[0]).divide(d);
        if (!steps.getDenominator().equals(BigInteger.ONE) || steps.getNumerator().signum() < 0
                || steps.getNumerator().compareTo(BigInteger.valueOf(MAX_TERMS)) > 0) {
            return null;
        }
        BigFraction count = steps.add(1);
        return new Expr.Num(count.multiply(v[0].add(last)).divide(2));
    }
}
