package rsarl.rewards.puzzle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code arith}: evaluate an integer expression such as {@code 3 + 4 * 2 - 5} (usual precedence).
 * Difficulty d uses d+1 operators; operands are single digits up to d=2, then grow. The reference
 * solution reduces one operator per line.
 */
final class ArithmeticFamily implements PuzzleFamily {

    @Override
    public String name() {
        return "arith";
    }

    @Override
    public Puzzle generate(SplittableRandom rnd, int difficulty) {
        int ops = difficulty + 1;
        int max = difficulty <= 2 ? 9 : 10 * difficulty;
        List<Long> nums = new ArrayList<>();
        List<Character> opsList = new ArrayList<>();
        nums.add((long) rnd.nextInt(1, max + 1));
        for (int i = 0; i < ops; i++) {
            opsList.add("+-*".charAt(rnd.nextInt(3)));
            nums.add((long) rnd.nextInt(1, max + 1));
        }
        String expression = render(nums, opsList);
        StringBuilder steps = new StringBuilder();
        long value = reduce(nums, opsList, 0, steps);
        String answer = Long.toString(value);
        ObjectNode meta = Puzzles.meta();
        meta.put("expression", expression);
        meta.put("value", value);
        return new Puzzle(name(), difficulty, "Calculate " + expression + "." + ANSWER_FORMAT,
                steps + PuzzleFamily.answerTag(answer), answer, meta);
    }

    /**
     * Evaluates {@code nums[0] ops[0] nums[1] ...} with the usual precedence (products first, then left to right),
     * one operator per line "a*b=r" appended to {@code steps}; with {@code modulus} > 0 every result is reduced
     * into [0, modulus). The lists are not changed.
     */
    static long reduce(List<Long> nums, List<Character> ops, long modulus, StringBuilder steps) {
        List<Long> n = new ArrayList<>(nums);
        List<Character> o = new ArrayList<>(ops);
        while (!o.isEmpty()) {
            int k = Math.max(0, o.indexOf('*'));
            long a = n.get(k);
            long b = n.get(k + 1);
            char op = o.get(k);
            long r = modulus > 0 ? Math.floorMod(apply(a, op, b), modulus) : apply(a, op, b);
            steps.append(a).append(op).append(b).append('=').append(r).append('\n');
            n.set(k, r);
            n.remove(k + 1);
            o.remove(k);
        }
        return n.get(0);
    }

    static String render(List<Long> nums, List<Character> ops) {
        StringBuilder sb = new StringBuilder().append(nums.get(0));
        for (int i = 0; i < ops.size(); i++) {
            sb.append(' ').append(ops.get(i)).append(' ').append(nums.get(i + 1));
        }
        return sb.toString();
    }

    static long apply(long a, char op, long b) {
        return switch (op) {
            case '+' -> a + b;
            case '-' -> a - b;
            case '*' -> a * b;
            default -> throw new IllegalArgumentException("op " + op);
        };
    }

    @Override
    public double score(String answer, JsonNode metadata, String gold) {
        return Puzzles.scoreInteger(answer, metadata, gold);
    }
}
