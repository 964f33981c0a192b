package rsarl.rewards.puzzle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code modarith}: an expression of d+1 operators over digits 0-9 computed modulo 10 ("Calculate 7 * 4 + 3 modulo
 * 10"), one operator per line with every intermediate result reduced to a digit ("7*4=8", "8+3=1"). Each step is one
 * of 300 single-digit facts, so a toy model can learn every step, while a slip at any step still moves the answer:
 * errors spread over the other nine digits, which is what majority voting and aggregation feed on. The usual
 * precedence applies (it is a ring: the value mod 10 does not depend on when the reduction happens).
 */
final class ModArithmeticFamily implements PuzzleFamily {

    static final int MODULUS = 10;

    @Override
    public String name() {
        return "modarith";
    }

    @Override
    public Puzzle generate(SplittableRandom rnd, int difficulty) {
        int ops = difficulty + 1;
        List<Long> nums = new ArrayList<>();
        List<Character> opsList = new ArrayList<>();
        nums.add((long) rnd.nextInt(MODULUS));
        for (int i = 0; i < ops; i++) {
            opsList.add("+-*".charAt(rnd.nextInt(3)));
            nums.add((long) rnd.nextInt(MODULUS));
        }
        String expression = ArithmeticFamily.render(nums, opsList);
        StringBuilder steps = new StringBuilder();
        long value = ArithmeticFamily.reduce(nums, opsList, MODULUS, steps);
        String answer = Long.toString(value);
        ObjectNode meta = Puzzles.meta();
        meta.put("expression", expression);
        meta.put("modulus", MODULUS);
        meta.put("value", value);
        return new Puzzle(name(), difficulty, "Calculate " + expression + " modulo " + MODULUS + "." + ANSWER_FORMAT,
                steps + PuzzleFamily.answerTag(answer), answer, meta);
    }

    @Override
    public double score(String answer, JsonNode metadata, String gold) {
        return Puzzles.scoreInteger(answer, metadata, gold);
    }
}
