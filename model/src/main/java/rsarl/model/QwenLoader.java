package rsarl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a HF-layout model folder (config.json + safetensors) into a {@link QwenModel}, checking every shape. */
final class QwenLoader {
    private QwenLoader() {
    }

    /** @param computeType float32 or float16 (weights are converted on load) */
    static QwenModel load(Path dir, Device device, DataType computeType) {
        if (computeType != DataType.FLOAT32 && computeType != DataType.FLOAT16) {
            throw new IllegalArgumentException("compute type must be float32 or float16, got " + computeType);
        }
        QwenConfig config = QwenConfig.read(dir.resolve("config.json"));
        NDManager manager = NDManager.newBaseManager(device);
        try (Checkpoint ck = Checkpoint.open(dir)) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> e : ParameterShapes.of(config).entrySet()) {
                String name = e.getKey();
                SafetensorsFile.Entry entry = ck.entry(name);
                if (!entry.djlShape().equals(e.getValue())) {
                    throw new IllegalArgumentException(dir + ": tensor " + name + " has shape " + entry.djlShape()
                            + " but config.json implies " + e.getValue());
                }
                NDArray a = ck.load(name, manager, computeType);
                a.setName(name);
                params.put(name, a);
            }
            QwenModel model = new QwenModel(config, manager, computeType, params, dir);
            // Each tensor was read through a mapping of the file that stays resident (and counted in RSS) until
            // the buffer is collected: a checkpoint-sized extra peak for the whole run unless collected now.
            System.gc();
            return model;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Overwrites {@code params} in place with the tensors saved in {@code dir}, converted to {@code type}. */
    static void loadInto(Path dir, Map<String, NDArray> params, NDManager manager, DataType type) {
        try (Checkpoint ck = Checkpoint.open(dir); NDManager scratch = manager.newSubManager()) {
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                SafetensorsFile.Entry entry = ck.entry(e.getKey());
                if (!entry.djlShape().equals(e.getValue().getShape())) {
                    throw new IllegalArgumentException(dir + ": tensor " + e.getKey() + " has shape " + entry.djlShape()
                            + ", expected " + e.getValue().getShape());
                }
                NDArray loaded = ck.load(e.getKey(), scratch, type);
                e.getValue().set(loaded.toByteBuffer());
            }
        }
    }
}
