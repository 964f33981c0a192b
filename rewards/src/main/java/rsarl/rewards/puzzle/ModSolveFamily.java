package rsarl.rewards.puzzle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code modsolve}: find the digit x with "x * a * b ... = c modulo 10", d+1 factors from 1, 3, 7, 9 (units mod 10,
 * so x is unique). A solution states a guess and checks it forward ("x=4", "4*7=8", "8*3=4"). Finding x means
 * inverting the product, which a toy model mostly cannot; checking a guess uses only the 40 facts "digit times unit",
 * which it learns completely (with +/- steps, 200 more facts, a 3.3M model learned so few in the demo's budget that
 * it wrote the target into its check instead). So a candidate shows whether it is right (its last line hits c or
 * not), and an aggregator that reads the checks beats one sample and a majority vote: verifying is easier than
 * generating, the regime where aggregation pays.
 *
 * <p>{@code modcheck} is the same puzzle whose attempts end with a verdict line, the last value compared with the
 * target and the guess restated ("4=4 yes 2", "8=4 no 5"). Reading a {@code modsolve} candidate's check means
 * comparing its last value with the target stated in the question, hundreds of tokens away in an aggregation prompt,
 * which the toy model does not learn (its aggregator copies a candidate about as often right as a random one); the
 * verdict puts that comparison where it is cheap (in the solver's own short context), and the guess right after it
 * lets an aggregator find the right digit as "the token after yes" (the induction-head pattern the copy warm-up
 * trains) instead of linking a verdict back to a guess five lines earlier.
 */
final class ModSolveFamily implements PuzzleFamily {

    static final int MODULUS = 10;
    private static final int[] UNITS = {1, 3, 7, 9};

    private final String name;
    private final boolean verdict;

    /** {@code verdict}: attempts end with the "last=target yes|no guess" line ({@code modcheck}). */
    ModSolveFamily(String name, boolean verdict) {
        this.name = name;
        this.verdict = verdict;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Puzzle generate(SplittableRandom rnd, int difficulty) {
        List<String> ops = new ArrayList<>();
        for (int i = 0; i <= difficulty; i++) {
            ops.add("*" + UNITS[rnd.nextInt(UNITS.length)]);
        }
        long x = rnd.nextInt(MODULUS);
        long target = evaluate(x, ops);
        StringBuilder expression = new StringBuilder("x");
        for (String op : ops) {
            expression.append(' ').append(op.charAt(0)).append(' ').append(op.substring(1));
        }
        ObjectNode meta = Puzzles.meta();
        ArrayNode opsNode = meta.putArray("ops");
        ops.forEach(opsNode::add);
        meta.put("target", target);
        meta.put("modulus", MODULUS);
        meta.put("value", x);
        String question = "Find the digit x with " + expression + " = " + target + " modulo " + MODULUS + "."
                + ANSWER_FORMAT;
        return new Puzzle(name(), difficulty, question, attempt(x, ops, target), Long.toString(x), meta);
    }

    /** The guess-and-check text for {@code answer}: right or wrong, every check line is computed correctly. */
    @Override
    public String attempt(JsonNode metadata, String answer) {
        List<String> ops = new ArrayList<>();
        metadata.get("ops").forEach(o -> ops.add(o.asText()));
        return attempt(Long.parseLong(answer.strip()), ops, metadata.get("target").asLong());
    }

    private String attempt(long guess, List<String> ops, long target) {
        StringBuilder sb = new StringBuilder("x=").append(guess).append('\n');
        long v = guess;
        for (String op : ops) {
            long r = step(v, op);
            sb.append(v).append(op).append('=').append(r).append('\n');
            v = r;
        }
        if (verdict) {
            sb.append(v).append('=').append(target).append(v == target ? " yes " : " no ").append(guess).append('\n');
        }
        return sb.append(PuzzleFamily.answerTag(String.valueOf(guess))).toString();
    }

    private static long evaluate(long x, List<String> ops) {
        long v = x;
        for (String op : ops) {
            v = step(v, op);
        }
        return v;
    }

    private static long step(long v, String op) {
        return Math.floorMod(ArithmeticFamily.apply(v, op.charAt(0), Long.parseLong(op.substring(1))), MODULUS);
    }

    @Override
    public double score(String answer, JsonNode metadata, String gold) {
        return Puzzles.scoreInteger(answer, metadata, gold);
    }
}
