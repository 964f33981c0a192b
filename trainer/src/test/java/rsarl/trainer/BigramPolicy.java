package rsarl.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import rsarl.model.CheckpointWriter;
import rsarl.model.SafetensorsFile;
import rsarl.trainer.loop.Rng;
import rsarl.trainer.model.TokenBatch;
import rsarl.trainer.model.TrainableModel;

import java.util.Map;

/** Test policy: next-token logits are a row of a trainable [V, V] table indexed by the current token. */
public final class BigramPolicy implements TrainableModel, AutoCloseable {
    public final NDManager manager = NDManager.newBaseManager();
    public final NDArray table;
    final int vocab;

    public BigramPolicy(int vocab) {
        this.vocab = vocab;
        this.table = manager.zeros(new Shape(vocab, vocab));
        table.setRequiresGradient(true);
    }

    @Override
    public NDArray logits(TokenBatch batch) {
        return table.get(table.getManager().create(batch.inputIds(), new Shape(batch.batch(),
                batch.sequenceLength())));
    }

    @Override
    public Map<String, NDArray> trainableParameters() {
        return Map.of("table", table);
    }

    /** Samples {@code length} tokens after {@code first}; returns tokens and their log-probs under softmax(row / T). */
    public Object[] sample(int first, int length, double temperature, Rng rng) {
        float[] t = table.toFloatArray();
        int[] out = new int[length];
        float[] lp = new float[length];
        int prev = first;
        for (int i = 0; i < length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
                max = Math.max(max, t[prev * vocab + v] / temperature);
            }
            double z = 0;
            for (int v = 0; v < vocab; v++) {
                z += Math.exp(t[prev * vocab + v] / temperature - max);
            }
            double u = rng.nextDouble() * z;
            int pick = vocab - 1;
            for (int v = 0; v < vocab; v++) {
                u -= Math.exp(t[prev * vocab + v] / temperature - max);
                if (u < 0) {
                    pick = v;
                    break;
                }
            }
            out[i] = pick;
            lp[i] = (float) (t[prev * vocab + pick] / temperature - max - Math.log(z));
            prev = pick;
        }
        return new Object[] {out, lp};
    }

    @Override
    public void save(java.nio.file.Path dir) throws java.io.IOException {
        java.nio.file.Files.createDirectories(dir);
        CheckpointWriter.writeTensors(dir.resolve("model.safetensors"), Map.of("table", table), Map.of());
    }

    @Override
    public void restore(java.nio.file.Path checkpointDir) throws java.io.IOException {
        try (NDManager tmp = NDManager.newBaseManager()) {
            table.set(SafetensorsFile.readAll(checkpointDir.resolve("model/model.safetensors"), tmp).tensors()
                    .get("table")
                    .toFloatArray());
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
