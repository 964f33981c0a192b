package rsarl.trainer.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import rsarl.model.TrainingPass;
import rsarl.trainer.config.LossType;
import rsarl.trainer.config.RolloutConfig;
import rsarl.trainer.config.TrainConfig;
import rsarl.trainer.model.MicroBatches;
import rsarl.trainer.model.Policy;
import rsarl.trainer.model.TokenBatch;
import rsarl.trainer.optim.AdamW;
import rsarl.trainer.optim.Gradients;
import rsarl.trainer.optim.LrSchedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The update phase of one GRPO/RLOO step, independent of the model: {@code num_iterations} optimizer updates over
 * the step's samples, each accumulated over micro-batches with the loss normalised by the whole batch's counts, then
 * global-norm clipping, the scheduled learning rate, AdamW, and zeroed gradients.
 *
 * <p>Old log-probs follow TRL: with one iteration they are the current log-probs detached (ratio exactly 1); with
 * more, they come from one no-grad forward before the first update. Reference log-probs (beta &gt; 0) come from a
 * no-grad forward of the frozen reference. Every micro-batch runs in its own closed {@link NDScope}.
 */
public final class PolicyUpdate {
    private final PolicyLoss loss;
    private final Gradients.NonFiniteGuard guard = new Gradients.NonFiniteGuard();
    private final LossType lossType;
    private final int numIterations;
    private final int microBatch;
    private final int maxCompletionLength;
    private final double temperature;
    private final boolean maskTruncated;
    private final double maxGradNorm;
    private final int padId;
    private final int microBatchMaxTokens;
    private RolloutConfig.ImportanceCorrection correction;
    private double importanceCap = Double.POSITIVE_INFINITY;

    public PolicyUpdate(PolicyLoss loss, LossType lossType, int numIterations, int microBatch,
            int maxCompletionLength, double temperature, boolean maskTruncated, double maxGradNorm, int padId) {
        this(loss, lossType, numIterations, microBatch, maxCompletionLength, temperature, maskTruncated, maxGradNorm,
                padId, 0);
    }

    /** @param microBatchMaxTokens token budget per forward/backward ({@link MicroBatches}); 0: by count */
    public PolicyUpdate(PolicyLoss loss, LossType lossType, int numIterations, int microBatch,
            int maxCompletionLength, double temperature, boolean maskTruncated, double maxGradNorm, int padId,
            int microBatchMaxTokens) {
        this.microBatchMaxTokens = microBatchMaxTokens;
        this.loss = loss;
        this.lossType = lossType;
        this.numIterations = numIterations;
        this.microBatch = microBatch;
        this.maxCompletionLength = maxCompletionLength;
        this.temperature = temperature;
        this.maskTruncated = maskTruncated;
        this.maxGradNorm = maxGradNorm;
        this.padId = padId;
    }

    /**
     * From the run's config; the importance correction applies to server rollouts only (the local sampler is the
     * trainer's own forward: the run stays exactly as without it).
     */
    public static PolicyUpdate of(TrainConfig c, int padId) {
        PolicyUpdate u = new PolicyUpdate(c.policyLoss(), c.lossType(), c.numIterations(), c.microBatch(),
                c.maxCompletionLength(), c.temperature(), c.maskTruncatedCompletions(), c.optimizer().maxGradNorm(),
                padId, c.microBatchMaxTokensOrZero());
        RolloutConfig r = c.rollout();
        return r != null && r.remote() ? u.withImportanceCorrection(r.importanceCorrection(), r.importanceCap()) : u;
    }

    /** Weights every token's loss by the sampler/trainer ratio ({@link ImportanceWeights}); returns this. */
    public PolicyUpdate withImportanceCorrection(RolloutConfig.ImportanceCorrection mode, double cap) {
        this.correction = mode;
        this.importanceCap = cap;
        return this;
    }

    /**
     * Averages over the step's updates (loss, grad norm) and over its tokens (stats of all iterations; entropy and
     * the sampler mismatch from the first iteration, before any update).
     */
    public record Result(double loss, PolicyLoss.Stats stats, double entropy, double gradNorm, double learningRate,
            double samplerLogprobAbsDiff, int updates, double importanceRatioMean, double importanceMaskedFraction) {
        public Result(double loss, PolicyLoss.Stats stats, double entropy, double gradNorm, double learningRate,
                double samplerLogprobAbsDiff, int updates) {
            this(loss, stats, entropy, gradNorm, learningRate, samplerLogprobAbsDiff, updates, Double.NaN, Double.NaN);
        }
    }

    /**
     * Runs the updates; the LR schedule is indexed by the optimizer's update count. {@code reference} may be null
     * when beta is 0.
     */
    public Result run(List<Sample> samples, Policy policy, Policy reference, AdamW optimizer, LrSchedule schedule) {
        List<TokenBatch> micro = new ArrayList<>();
        List<float[]> advantages = new ArrayList<>();
        List<List<Sample>> chunks = new ArrayList<>();
        for (int[] group : MicroBatches.plan(samples.size(), i -> samples.get(i).prompt().length,
                i -> samples.get(i).completion().length, microBatch, microBatchMaxTokens)) {
            List<Sample> chunk = java.util.Arrays.stream(group).mapToObj(samples::get).toList();
            chunks.add(chunk);
            boolean[] truncated = new boolean[chunk.size()];
            float[] adv = new float[chunk.size()];
            for (int i = 0; i < chunk.size(); i++) {
                truncated[i] = chunk.get(i).truncated();
                adv[i] = (float) chunk.get(i).advantage();
            }
            micro.add(TokenBatch.build(chunk.stream().map(Sample::prompt).toList(),
                    chunk.stream().map(Sample::completion).toList(), padId, truncated, maskTruncated));
            advantages.add(adv);
        }
        long tokens = micro.stream().mapToLong(TokenBatch::maskedTokens).sum();
        PolicyLoss.Normaliser norm = new PolicyLoss.Normaliser(lossType, tokens, samples.size(), maxCompletionLength);

        List<float[]> old = numIterations > 1 ? noGradLogprobs(policy, micro) : null;
        List<float[]> ref = loss.beta() > 0 ? noGradLogprobs(reference, micro) : null;

        Map<String, NDArray> params = policy.trainableParameters();
        PolicyLoss.Stats stats = PolicyLoss.Stats.ZERO;
        double lossSum = 0;
        double normSum = 0;
        double lr = 0;
        double entropySum = 0;
        double diffSum = 0;
        double diffTokens = 0;
        ImportanceWeights.Stats isStats = ImportanceWeights.Stats.ZERO;
        float[][] isWeights = new float[micro.size()][]; // per micro-batch, fixed at the first iteration
        for (int it = 0; it < numIterations; it++) {
            double stepLoss = 0;
            for (int k = 0; k < micro.size(); k++) {
                TokenBatch tb = micro.get(k);
                try (NDScope scope = new NDScope();
                        NDManager m = NDManager.newBaseManager(device(params))) {
                    NDArray mask = tb.completionMask(m);
                    NDArray refLogp = ref == null ? null : m.create(ref.get(k), mask.getShape());
                    NDArray oldValues = old == null ? null : m.create(old.get(k), mask.getShape());
                    NDArray adv = m.create(advantages.get(k));
                    PolicyLoss.Result[] r = new PolicyLoss.Result[1];
                    List<float[]> sampler = chunks.get(k).stream().map(Sample::samplerLogprobs).toList();
                    boolean hasSampler = sampler.stream().allMatch(java.util.Objects::nonNull);
                    boolean compare = it == 0 && hasSampler;
                    if (it == 0 && !hasSampler && correction != null
                            && correction != RolloutConfig.ImportanceCorrection.NONE) {
                        throw new IllegalArgumentException("importance correction needs the sampler's log-probs "
                                + "of every completion");
                    }
                    // Server rollouts: the loss is weighted by the sampler/trainer ratio of the raw (temperature 1)
                    // log-probs, fixed at the first iteration. At temperature 1 they are the loss's own log-probs,
                    // detached; otherwise one no-grad forward gives them before the loss needs the weights.
                    boolean weigh = compare && correction != null
                            && correction != RolloutConfig.ImportanceCorrection.NONE;
                    NDArray samplerLogp = compare ? tb.perToken(m, sampler) : null;
                    if (weigh && temperature != 1.0) {
                        isWeights[k] = ImportanceWeights.compute(policy.noGradLogprobs(tb, m, 1.0)
                                .reshape(mask.getShape()), samplerLogp, mask, correction, importanceCap)
                                .weights().toFloatArray();
                    }
                    final int kk = k;
                    // At temperature 1 the weights' log-probs are the pass's own: their stats are kept, not redone.
                    ImportanceWeights.Stats[] seen = new ImportanceWeights.Stats[1];
                    TrainingPass.Result pass = policy.forwardBackward(tb, m, temperature, logp -> {
                        NDArray oldLogp = oldValues == null ? logp.stopGradient() : oldValues;
                        if (weigh && temperature == 1.0) {
                            ImportanceWeights.Result iw = ImportanceWeights.compute(logp.stopGradient(), samplerLogp,
                                    mask, correction, importanceCap);
                            isWeights[kk] = iw.weights().toFloatArray();
                            seen[0] = iw.stats();
                        }
                        NDArray weights = isWeights[kk] == null ? null : m.create(isWeights[kk], mask.getShape());
                        r[0] = loss.compute(logp, oldLogp, refLogp, adv, mask, norm, weights);
                        return r[0].loss();
                    }, it == 0, compare && temperature != 1.0);
                    stepLoss += pass.loss().getFloat();
                    stats = stats.plus(r[0].stats());
                    if (it == 0) {
                        entropySum += pass.entropy().mul(mask).sum().toType(DataType.FLOAT64, false).getDouble();
                        if (compare) {
                            // The sampler records log-probs of the raw distribution: compare like with like.
                            NDArray raw = temperature == 1.0 ? pass.logprobs() : pass.rawLogprobs();
                            isStats = isStats.plus(seen[0] != null ? seen[0] : ImportanceWeights.compute(raw,
                                    samplerLogp, mask, correction, importanceCap).stats());
                            diffSum += samplerLogp.sub(raw).abs().mul(mask).sum()
                                    .toType(DataType.FLOAT64, false).getDouble();
                            diffTokens += tb.maskedTokens();
                        }
                    }
                }
            }
            Gradients.requireFiniteLoss(stepLoss);
            double gradNorm = Gradients.clipGlobalNorm(params.values(), maxGradNorm);
            normSum += gradNorm;
            lossSum += stepLoss;
            lr = schedule.lr(optimizer.step());
            if (guard.skip(gradNorm, params, System.err)) {
                continue;
            }
            optimizer.update(params, lr);
            Gradients.zero(params.values());
        }
        return new Result(lossSum / numIterations, stats, tokens == 0 ? 0 : entropySum / tokens,
                normSum / numIterations, lr, diffTokens == 0 ? Double.NaN : diffSum / diffTokens, numIterations,
                isStats.ratioMean(), isStats.overCapFraction());
    }

    /** Per micro-batch [B * C] log-probs without gradients (old policy or reference). */
    private List<float[]> noGradLogprobs(Policy p, List<TokenBatch> micro) {
        if (p == null) {
            throw new IllegalArgumentException("beta > 0 needs a reference policy");
        }
        List<float[]> out = new ArrayList<>();
        for (TokenBatch tb : micro) {
            try (NDScope scope = new NDScope();
                    NDManager m = NDManager.newBaseManager(device(p.trainableParameters()))) {
                out.add(p.noGradLogprobs(tb, m, temperature).toFloatArray());
            }
        }
        return out;
    }

    private static ai.djl.Device device(Map<String, NDArray> params) {
        return params.isEmpty() ? ai.djl.Device.cpu() : params.values().iterator().next().getDevice();
    }
}
