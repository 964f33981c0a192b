package rsarl.rewards.puzzle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import rsarl.rewards.Problem;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Registry of puzzle families and seeded batch generation. */
public final class Puzzles {

    private static final Map<String, PuzzleFamily> FAMILIES = new LinkedHashMap<>();
    private static final java.util.regex.Pattern SEPARATORS = java.util.regex.Pattern.compile("[,\\s]+");
    private static final java.util.regex.Pattern INTEGER = java.util.regex.Pattern.compile("[+-]?\\d{1,15}");

    static {
        for (PuzzleFamily f : List.of(new ArithmeticFamily(), new ChainFamily(), new CountdownFamily(),
                new SortFamily(), new LetterCountFamily(), new ReverseFamily(), new CopyFamily(),
                new ModArithmeticFamily(), new ModSolveFamily("modsolve", false),
                new ModSolveFamily("modcheck", true))) {
            FAMILIES.put(f.name(), f);
        }
    }

    private Puzzles() {
    }

    public static List<String> families() {
        return List.copyOf(FAMILIES.keySet());
    }

    public static PuzzleFamily family(String name) {
        PuzzleFamily f = FAMILIES.get(name);
        if (f == null) {
            throw new IllegalArgumentException("unknown puzzle family '" + name + "' (known: "
                    + String.join(", ", FAMILIES.keySet()) + ")");
        }
        return f;
    }

    /**
     * {@code n} puzzles of one family. Puzzle i depends only on (seed, i), so a longer run extends a
     * shorter one with the same seed.
     */
    public static List<Puzzle> generate(String family, int n, long seed, int difficulty) {
        if (difficulty < 1) {
            throw new IllegalArgumentException("difficulty must be >= 1, got " + difficulty);
        }
        PuzzleFamily f = family(family);
        List<Puzzle> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
            Puzzle p = f.generate(rnd, difficulty);
            p.metadata().put("solution", p.solution());
            p.metadata().put("difficulty", difficulty);
            out.add(p);
        }
        return out;
    }

    /** The same puzzles as problems with ids {@code <family>-<seed>-<i>}. */
    public static List<Problem> problems(String family, int n, long seed, int difficulty) {
        List<Puzzle> puzzles = generate(family, n, seed, difficulty);
        List<Problem> out = new ArrayList<>(n);
        for (int i = 0; i < puzzles.size(); i++) {
            out.add(puzzles.get(i).toProblem(family + "-" + seed + "-" + i));
        }
        return out;
    }

    static ObjectNode meta() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** 1 when the answer is exactly one integer equal to metadata {@code value} (else the gold answer), else 0. */
    static double scoreInteger(String answer, JsonNode metadata, String gold) {
        List<Long> got = parseInts(answer);
        if (got == null || got.size() != 1) {
            return 0;
        }
        long expected = metadata != null && metadata.has("value") ? metadata.get("value").asLong()
                : Long.parseLong(gold.trim());
        return got.get(0) == expected ? 1 : 0;
    }

    /** Integers in an answer like "3, 5, 9" or "[3 5 9]"; null if anything else is there. */
    static List<Long> parseInts(String s) {
        String t = s.trim();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        List<Long> out = new ArrayList<>();
        for (String part : SEPARATORS.split(t)) {
            if (part.isEmpty()) {
                continue;
            }
            if (!INTEGER.matcher(part).matches()) {
                return null;
            }
            out.add(Long.parseLong(part));
        }
        return out;
    }
}
