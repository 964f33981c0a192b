package rsarl.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import rsarl.model.LowRank;
import rsarl.model.QwenModel;
import rsarl.model.TrainingPass;
import rsarl.trainer.loop.CheckpointManager;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@link QwenModel} as the trainer sees it: full fine-tuning ({@link TrainableModel}, every parameter trained) and the
 * {@link LoraModel.Backbone} that LoRA wraps (forward with weight overrides, save with given weights). Token batches
 * are created on the parameters' manager; the caller's {@code NDScope} frees them and every intermediate.
 */
public final class QwenPolicy implements TrainableModel, LoraModel.Backbone {
    private final QwenModel model;
    private final TrainingPass pass;

    /** @param trainAll attach gradients to every parameter (false for a frozen reference or a LoRA backbone) */
    public QwenPolicy(QwenModel model, boolean trainAll) {
        this(model, trainAll, false);
    }

    /** @param gradientCheckpointing recompute each decoder layer during backward instead of keeping it */
    public QwenPolicy(QwenModel model, boolean trainAll, boolean gradientCheckpointing) {
        this.model = model;
        int vocab = model.config().vocabSize();
        boolean gpu = model.manager().getDevice().isGpu();
        this.pass = new TrainingPass(gradientCheckpointing, TrainingPass.chunkTokensFor(vocab, gpu), 0,
                TrainingPass.keepTokensFor(vocab));
        if (trainAll) {
            model.attachGradients();
        }
    }

    public QwenModel model() {
        return model;
    }

    @Override
    public NDArray logits(TokenBatch batch) {
        return logits(model, batch);
    }

    @Override
    public NDArray logits(TokenBatch batch, Map<String, NDArray> overrides) {
        return logits(overrides.isEmpty() ? model : model.withWeights(overrides), batch);
    }

    private static NDArray logits(QwenModel m, TokenBatch batch) {
        NDManager nd = m.manager();
        return m.forward(batch.inputIds(nd), batch.positionIds(nd), batch.attentionMask(nd, DataType.INT64), null);
    }

    @Override
    public TrainingPass.Result forwardBackward(TokenBatch tb, NDManager m, double temperature,
            Function<NDArray, NDArray> loss, boolean entropy, boolean raw) {
        return forwardBackward(tb, m, temperature, loss, entropy, raw, Map::of);
    }

    @Override
    public TrainingPass.Result forwardBackward(TokenBatch tb, NDManager m, double temperature,
            Function<NDArray, NDArray> loss, boolean entropy, boolean raw, Supplier<Map<String, NDArray>> overrides) {
        Supplier<QwenModel> view = () -> {
            Map<String, NDArray> o = overrides.get();
            return o.isEmpty() ? model : model.withWeights(o);
        };
        return pass.run(view, batch(tb, m), (float) temperature, loss, entropy, raw);
    }

    @Override
    public NDArray noGradLogprobs(TokenBatch tb, NDManager m, double temperature) {
        return noGradLogprobs(tb, m, temperature, Map.of());
    }

    @Override
    public NDArray noGradLogprobs(TokenBatch tb, NDManager m, double temperature, Map<String, NDArray> overrides) {
        return pass.logprobs(overrides.isEmpty() ? model : model.withWeights(overrides), batch(tb, m),
                (float) temperature);
    }

    @Override
    public NDArray adaptedLogits(TokenBatch batch, Map<String, LowRank> adapters) {
        return logits(adapted(adapters), batch);
    }

    @Override
    public TrainingPass.Result adaptedForwardBackward(TokenBatch tb, NDManager m, double temperature,
            Function<NDArray, NDArray> loss, boolean entropy, boolean raw, Map<String, LowRank> adapters) {
        return pass.run(() -> adapted(adapters), batch(tb, m), (float) temperature, loss, entropy, raw);
    }

    @Override
    public NDArray adaptedNoGradLogprobs(TokenBatch tb, NDManager m, double temperature,
            Map<String, LowRank> adapters) {
        return pass.logprobs(adapted(adapters), batch(tb, m), (float) temperature);
    }

    /**
     * The model with LoRA applied as {@code x W^T + s (x A^T) B^T} (no second copy of any weight); adapters on
     * other weights than decoder-layer linears (e.g. the embedding) go in as {@code W + s B A}.
     */
    private QwenModel adapted(Map<String, LowRank> adapters) {
        if (adapters.keySet().stream().allMatch(QwenModel::adaptable)) return model.withAdapters(adapters);
        return model.withWeights(LoraModel.Backbone.effective(model.parameters(), adapters));
    }

    private static TrainingPass.Batch batch(TokenBatch tb, NDManager m) {
        NDArray ids = tb.inputIds(m);
        return new TrainingPass.Batch(ids, tb.positionIds(m), tb.attentionMask(m, DataType.INT64),
                tb.promptLength() - 1, ids.get(":, " + tb.promptLength() + ":"));
    }

    @Override
    public Map<String, NDArray> trainableParameters() {
        return model.parameters();
    }

    @Override
    public Map<String, NDArray> parameters() {
        return model.parameters();
    }

    @Override
    public void save(Path dir) {
        model.save(dir);
    }

    @Override
    public void save(Path dir, Map<String, NDArray> weights) {
        model.withWeights(weights).save(dir);
    }

    /** Reloads the weights of {@code checkpointDir/model} in place (bit-exact: they were saved as float32). */
    @Override
    public void restore(Path checkpointDir) throws IOException {
        try {
            model.loadWeightsFrom(checkpointDir.resolve(CheckpointManager.MODEL_DIR));
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
