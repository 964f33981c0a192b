package rsarl.trainer.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntUnaryOperator;
import java.util.stream.IntStream;

/**
 * How a step's sequences are split into forward/backward passes: {@code micro_batch_size} consecutive sequences, or,
 * with {@code micro_batch_max_tokens} (verl's {@code ppo_max_token_len_per_gpu}), length-sorted sequences packed
 * while the padded batch ({@code rows x (longest prompt + longest completion)}) stays within the budget; a sequence
 * longer than the budget goes alone. The loss is normalised by the whole step's counts, so the split changes only
 * memory and speed, not the update.
 */
public final class MicroBatches {
    private MicroBatches() {}

    /** Index groups covering {@code 0 .. n-1}; {@code maxTokens <= 0} means by count. */
    public static List<int[]> plan(int n, IntUnaryOperator promptLength, IntUnaryOperator completionLength, int microBatch,
            int maxTokens) {
        List<int[]> out = new ArrayList<>();
        if (maxTokens <= 0) {
            for (int from = 0; from < n; from += microBatch) {
                out.add(IntStream.range(from, Math.min(n, from + microBatch)).toArray());
            }
            return out;
        }
        List<Integer> order = IntStream.range(0, n).boxed()
                .sorted(Comparator.comparingInt(i -> promptLength.applyAsInt(i) + completionLength.applyAsInt(i)))
                .toList();
        List<Integer> group = new ArrayList<>();
        int p = 0;
        int c = 0;
        for (int i : order) {
            int np = Math.max(p, promptLength.applyAsInt(i));
            int nc = Math.max(c, Math.max(1, completionLength.applyAsInt(i)));
            if (!group.isEmpty() && (long) (group.size() + 1) * (np + nc) > maxTokens) {
                out.add(group.stream().mapToInt(Integer::intValue).toArray());
                group.clear();
                np = promptLength.applyAsInt(i);
                nc = Math.max(1, completionLength.applyAsInt(i));
            }
            group.add(i);
            p = np;
            c = nc;
        }
        if (!group.isEmpty()) out.add(group.stream().mapToInt(Integer::intValue).toArray());
        return out;
    }
}
