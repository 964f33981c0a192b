package rsarl.rewards.puzzle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code sort}: sort d+2 integers (single digits at d=1, two digits at d=2, signed and in either
 * direction from d=3). Exact order scores 1; a permutation of the input earns half the share of
 * positions it gets right; anything else 0.
 */
final class SortFamily implements PuzzleFamily {

    @Override
    public String name() {
        return "sort";
    }

    @Override
    public Puzzle generate(SplittableRandom rnd, int difficulty) {
        int n = difficulty + 2;
        List<Long> nums = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            nums.add(switch (difficulty) {
                case 1 -> (long) rnd.nextInt(0, 10);
                case 2 -> (long) rnd.nextInt(0, 100);
                default -> (long) rnd.nextInt(-99, 100);
            });
        }
        boolean descending = difficulty >= 3 && rnd.nextBoolean();
        List<Long> sorted = sorted(nums, descending);
        String answer = ChainFamily.join(sorted);
        ObjectNode meta = Puzzles.meta();
        ArrayNode arr = meta.putArray("numbers");
        nums.forEach(arr::add);
        meta.put("order", descending ? "descending" : "ascending");
        StringBuilder solution = new StringBuilder();
        List<Long> done = new ArrayList<>();
        for (long v : sorted) {
            done.add(v);
            solution.append(descending ? "largest " : "smallest ").append(v).append(": ").append(ChainFamily.join(done)).append('\n');
        }
        String question = "Sort in " + (descending ? "descending" : "ascending") + " order: " + ChainFamily.join(nums) + "." + ANSWER_FORMAT;
        return new Puzzle(name(), difficulty, question, solution + PuzzleFamily.answerTag(answer), answer, meta);
    }

    private static List<Long> sorted(List<Long> nums, boolean descending) {
        List<Long> s = new ArrayList<>(nums);
        s.sort(descending ? Comparator.reverseOrder() : Comparator.naturalOrder());
        return s;
    }

    @Override
    public double score(String answer, JsonNode metadata, String gold) {
        List<Long> got = Puzzles.parseInts(answer);
        if (got == null || got.isEmpty()) {
            return 0;
        }
        List<Long> want;
        if (metadata != null && metadata.has("numbers")) {
            List<Long> nums = new ArrayList<>();
            metadata.get("numbers").forEach(x -> nums.add(x.asLong()));
            want = sorted(nums, "descending".equals(metadata.path("order").asText()));
        } else {
            want = Puzzles.parseInts(gold);
        }
        if (want == null || got.size() != want.size()) {
            return 0;
        }
        if (got.equals(want)) {
            return 1;
        }
        if (!sorted(got, false).equals(sorted(want, false))) {
            return 0;
        }
        int right = 0;
        for (int i = 0; i < want.size(); i++) {
            if (got.get(i).equals(want.get(i))) {
                right++;
            }
        }
        return 0.5 * right / want.size();
    }
}
