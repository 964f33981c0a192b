package rsarl.trainer.sft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import rsarl.model.Scalars;
import rsarl.trainer.model.MicroBatches;
import rsarl.trainer.model.Policy;
import rsarl.trainer.model.TokenBatch;
import rsarl.trainer.optim.AdamW;
import rsarl.trainer.optim.Gradients;
import rsarl.trainer.optim.LrSchedule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * One SFT optimizer step on tokenised (prompt, response) pairs: loss = mean negative log-likelihood of the response
 * tokens over the whole step ({@code completion_only_loss: true}; with false, of every token after the first, prompt
 * included, as transformers' language-model loss), accumulated over micro-batches with the global token
 * count as denominator (transformers' {@code num_items_in_batch}), then clipping, the scheduled LR and AdamW.
 */
public final class SftUpdate {
    private final int microBatch;
    private final int maxSeqLength;
    private final double maxGradNorm;
    private final int padId;
    private final boolean completionOnlyLoss;
    private final Gradients.NonFiniteGuard guard = new Gradients.NonFiniteGuard();

    private final int microBatchMaxTokens;

    public SftUpdate(int microBatch, int maxSeqLength, double maxGradNorm, int padId, boolean completionOnlyLoss) {
        this(microBatch, maxSeqLength, maxGradNorm, padId, completionOnlyLoss, 0);
    }

    /** @param microBatchMaxTokens token budget per forward/backward ({@link MicroBatches}); 0: by count */
    public SftUpdate(int microBatch, int maxSeqLength, double maxGradNorm, int padId, boolean completionOnlyLoss,
            int microBatchMaxTokens) {
        this.microBatchMaxTokens = microBatchMaxTokens;
        this.completionOnlyLoss = completionOnlyLoss;
        this.microBatch = microBatch;
        this.maxSeqLength = maxSeqLength;
        this.maxGradNorm = maxGradNorm;
        this.padId = padId;
    }

    public record Result(double loss, long tokens, double gradNorm, double learningRate) {}

    /**
     * {@code -sum(logp * mask) / totalTokens}: a micro-batch's share of the step's token-level NLL.
     *
     * @param totalTokens response tokens in the whole step (all micro-batches)
     */
    public static NDArray nll(NDArray logp, NDArray mask, double totalTokens) {
        NDArray sum = logp.mul(mask).sum().neg();
        return sum.div(Scalars.of(sum, (float) Math.max(1.0, totalTokens)));
    }

    /**
     * Cuts a pair to {@code maxSeqLength} tokens: the response is shortened first (keeping at least one token); a
     * prompt that still does not fit keeps its last tokens, which carry the question closest to the answer.
     */
    public static int[][] fit(int[] prompt, int[] response, int maxSeqLength) {
        if (prompt.length + response.length <= maxSeqLength) {
            return new int[][] {prompt, response};
        }
        int r = Math.max(1, Math.min(response.length, maxSeqLength - prompt.length));
        int p = Math.min(prompt.length, maxSeqLength - r);
        return new int[][] {Arrays.copyOfRange(prompt, prompt.length - p, prompt.length),
                Arrays.copyOf(response, r)};
    }

    /**
     * The pair re-split as {first token, everything after it}: the "response" part, where the loss is taken, is
     * then the whole sequence but its first token (which nothing predicts).
     */
    static int[][] wholeSequence(int[] prompt, int[] response) {
        if (prompt.length == 0) {
            return new int[][] {prompt, response};
        }
        int[] rest = new int[prompt.length - 1 + response.length];
        System.arraycopy(prompt, 1, rest, 0, prompt.length - 1);
        System.arraycopy(response, 0, rest, prompt.length - 1, response.length);
        return new int[][] {new int[] {prompt[0]}, rest};
    }

    /** {@code pairs.get(i) = {promptIds, responseIds}}. */
    public Result run(List<int[][]> pairs, Policy policy, AdamW optimizer, LrSchedule schedule) {
        // Micro-batches of similar lengths pad little (a few long aggregation prompts among short ones would pad
        // every row to their length); the loss is a sum over the whole step, so the grouping does not change it.
        List<int[][]> fitted = pairs.stream().map(pr -> fit(pr[0], pr[1], maxSeqLength))
                .map(pr -> completionOnlyLoss ? pr : wholeSequence(pr[0], pr[1]))
                .sorted(Comparator.comparingInt(pr -> pr[0].length + pr[1].length)).toList();
        List<TokenBatch> micro = new ArrayList<>();
        for (int[] group : MicroBatches.plan(fitted.size(), i -> fitted.get(i)[0].length,
                i -> fitted.get(i)[1].length, microBatch, microBatchMaxTokens)) {
            List<int[][]> chunk = Arrays.stream(group).mapToObj(fitted::get).toList();
            micro.add(TokenBatch.build(chunk.stream().map(pr -> pr[0]).toList(),
                    chunk.stream().map(pr -> pr[1]).toList(), padId, null, false));
        }
        long tokens = micro.stream().mapToLong(TokenBatch::maskedTokens).sum();
        Map<String, NDArray> params = policy.trainableParameters();
        double loss = 0;
        for (TokenBatch tb : micro) {
            try (NDScope scope = new NDScope();
                    NDManager m = NDManager.newBaseManager(params.values().iterator().next().getDevice())) {
                NDArray mask = tb.completionMask(m);
                loss += policy.forwardBackward(tb, m, 1.0, logp -> nll(logp, mask, tokens), false, false).loss()
                        .getFloat();
            }
        }
        Gradients.requireFiniteLoss(loss);
        double norm = Gradients.clipGlobalNorm(params.values(), maxGradNorm);
        double lr = schedule.lr(optimizer.step());
        if (guard.skip(norm, params, System.err)) {
            return new Result(loss, tokens, norm, lr);
        }
        optimizer.update(params, lr);
        Gradients.zero(params.values());
        return new Result(loss, tokens, norm, lr);
    }
}
