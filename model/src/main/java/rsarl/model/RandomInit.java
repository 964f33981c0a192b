package rsarl.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes a randomly initialised Qwen3 checkpoint of a preset size (see {@link ModelPresets}), HF-style: every
 * matrix and the embeddings ~ N(0, 0.02), norm weights 1, biases 0. Tensors are drawn and written one at a time,
 * so even the 8B preset needs little memory.
 */
public final class RandomInit {
    private RandomInit() {
    }

    public static void write(String preset, int vocabSize, List<Integer> eosIds, long seed, Path outDir) {
        write(ModelPresets.config(preset, vocabSize, eosIds), seed, outDir);
    }

    /** As above for any config (e.g. a preset's widths with fewer layers, for memory benchmarks). */
    public static void write(QwenConfig c, long seed, Path outDir) {
        Map<String, Shape> shapes = ParameterShapes.of(c);
        Engine.getInstance().setRandomSeed((int) seed);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            CheckpointWriter.write(outDir, shapes, (name, scratch) -> {
                Shape shape = shapes.get(name);
                if (name.endsWith("norm.weight")) return scratch.ones(shape);
                if (name.endsWith(".bias")) return scratch.zeros(shape);
                return scratch.randomNormal(0f, 0.02f, shape, DataType.FLOAT32);
            }, m, c.toJson(), null, CheckpointWriter.DEFAULT_MAX_SHARD_BYTES);
        }
    }
}
