package rsarl.trainer.model;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MicroBatchesTest {
    @Test
    void packsLengthSortedSequencesWithinTheBudget() {
        int[] prompt = {4, 1, 4, 2, 9};
        int[] completion = {4, 1, 2, 2, 9};
        List<int[]> groups = MicroBatches.plan(5, i -> prompt[i], i -> completion[i], 2, 16);
        // sorted by length: 1 (2), 3 (4), 2 (6), 0 (8), 4 (18, over the budget: alone); adding 2 to {1, 3} would
        // pad 3 rows to 4 + 2 = 18 tokens
        assertEquals(3, groups.size(), groups.stream().map(Arrays::toString).toList().toString());
        assertArrayEquals(new int[] {1, 3}, groups.get(0));
        assertArrayEquals(new int[] {2, 0}, groups.get(1));
        for (int[] g : groups) {
            int p = Arrays.stream(g).map(i -> prompt[i]).max().orElse(0);
            int c = Arrays.stream(g).map(i -> completion[i]).max().orElse(0);
            assertTrue(g.length == 1 || g.length * (p + c) <= 16, Arrays.toString(g));
        }
        assertArrayEquals(new int[] {4}, groups.get(2));
        assertEquals(List.of(0, 1), Arrays.stream(MicroBatches.plan(5, i -> 1, i -> 1, 2, 0).get(0)).boxed().toList());
    }
}
