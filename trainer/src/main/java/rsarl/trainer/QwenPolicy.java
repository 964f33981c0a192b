package rsarl.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import rsarl.model.QwenModel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@link QwenModel} as the trainer sees it: full fine-tuning ({@link TrainableModel}, every parameter trained) and the
 * {@link LoraModel.Backbone} that LoRA wraps (forward with weight overrides, save with given weights). Token batches
 * are created on the parameters' manager; the caller's {@code NDScope} frees them and every intermediate.
 */
public final class QwenPolicy implements TrainableModel, LoraModel.Backbone {
    private final QwenModel model;

    /** @param trainAll attach gradients to every parameter (false for a frozen reference or a LoRA backbone) */
    public QwenPolicy(QwenModel model, boolean trainAll) {
        this.model = model;
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
