package rsarl.rewards.puzzle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.math3.fraction.BigFraction;
import rsarl.rewards.math.Expr;
import rsarl.rewards.math.ExprParser;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code countdown}: reach a target with + - * / using each of d+2 given numbers exactly once.
 * Any expression that does so scores 1 (checked with exact rational arithmetic), not only the
 * reference one.
 */
final class CountdownFamily implements PuzzleFamily {

    private static final long[] BIG = {25, 50, 75, 100};

    @Override
    public String name() {
        return "countdown";
    }

    @Override
    public Puzzle generate(SplittableRandom rnd, int difficulty) {
        int count = difficulty + 2;
        while (true) {
            List<Long> numbers = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                numbers.add(difficulty >= 2 && i == 0 ? BIG[rnd.nextInt(BIG.length)] : (long) rnd.nextInt(1, 11));
            }
            Puzzle p = tryBuild(rnd, difficulty, numbers);
            if (p != null) {
                return p;
            }
        }
    }

    private Puzzle tryBuild(SplittableRandom rnd, int difficulty, List<Long> numbers) {
        List<Long> vals = new ArrayList<>(numbers);
        List<String> exprs = new ArrayList<>();
        numbers.forEach(n -> exprs.add(Long.toString(n)));
        StringBuilder steps = new StringBuilder();
        while (vals.size() > 1) {
            int i = rnd.nextInt(vals.size());
            int j = rnd.nextInt(vals.size() - 1);
            if (j >= i) {
                j++;
            }
            long a = vals.get(i);
            long b = vals.get(j);
            String ea = exprs.get(i);
            String eb = exprs.get(j);
            if (a < b) {
                long t = a; a = b; b = t;
                String te = ea; ea = eb; eb = te;
            }
            char op = "+-*/".charAt(rnd.nextInt(4));
            if (op == '/' && (b <= 1 || a % b != 0)) {
                op = '+';
            }
            if (op == '-' && a == b) {
                op = '+';
            }
            if (op == '*' && (b == 1 || a * b > 1000)) {
                op = '+';
            }
            long r = switch (op) {
                case '+' -> a + b;
                case '-' -> a - b;
                case '*' -> a * b;
                default -> a / b;
            };
            steps.append(a).append(' ').append(op).append(' ').append(b).append(" = ").append(r).append('\n');
            int hi = Math.max(i, j);
            int lo = Math.min(i, j);
            vals.remove(hi);
            exprs.remove(hi);
            vals.set(lo, r);
            exprs.set(lo, "(" + ea + " " + op + " " + eb + ")");
        }
        long target = vals.get(0);
        if (target < 1 || target > 1000 || numbers.contains(target)) {
            return null;
        }
        String e = exprs.get(0);
        String answer = e.substring(1, e.length() - 1);
        ObjectNode meta = Puzzles.meta();
        ArrayNode arr = meta.putArray("numbers");
        numbers.forEach(arr::add);
        meta.put("target", target);
        String question = "Use " + ChainFamily.join(numbers) + " (each exactly once) with + - * / to make " + target
                + "." + ANSWER_FORMAT;
        return new Puzzle(name(), difficulty, question, steps + PuzzleFamily.answerTag(answer), answer, meta);
    }

    @Override
    public double score(String answer, JsonNode metadata, String gold) {
        if (metadata == null || !metadata.has("numbers") || !metadata.has("target")) {
            return 0;
        }
        String a = answer.replace('×', '*').replace('÷', '/').replace("\\times", "*").replace("\\div", "/")
                .replace('x', '*').replace("−", "-");
        int eq = a.indexOf('=');
        if (eq >= 0) {
            a = a.substring(0, eq);
        }
        if (a.length() > 200 || !a.matches("[0-9+\\-*/() ]+")) {
            return 0;
        }
        Expr e;
        try {
            e = ExprParser.parse(a);
        } catch (ExprParser.ParseException ex) {
            return 0;
        }
        List<Long> used = new ArrayList<>();
        if (!collect(e, used)) {
            return 0;
        }
        List<Long> given = new ArrayList<>();
        metadata.get("numbers").forEach(x -> given.add(x.asLong()));
        used.sort(null);
        given.sort(null);
        if (!used.equals(given)) {
            return 0;
        }
        BigFraction v = e.exact();
        return v != null && v.equals(new BigFraction(metadata.get("target").asLong())) ? 1 : 0;
    }

    /** Collects integer literals; false if the expression uses anything but + - * / on them. */
    private static boolean collect(Expr e, List<Long> out) {
        if (e instanceof Expr.Num n) {
            if (n.value().getDenominator().intValue() != 1 || n.value().getNumerator().bitLength() > 40) {
                return false;
            }
            out.add(n.value().getNumerator().longValue());
            return true;
        }
        if (e instanceof Expr.Bin b && b.op() != '^') {
            return collect(b.left(), out) && collect(b.right(), out);
        }
        return false;
    }
}
