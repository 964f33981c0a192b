package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes a model's weights (float32) and config.json in the HF layout, atomically; tokenizer files come along. */
final class QwenSaver {
    private QwenSaver() {
    }

    static void save(Path dir, Map<String, NDArray> params, QwenConfig config, Path sourceDir, NDManager manager,
                     long maxShardBytes) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        params.forEach((n, a) -> shapes.put(n, a.getShape()));
        CheckpointWriter.write(dir, shapes, (name, scratch) -> params.get(name), manager,
                configJson(config, sourceDir), sourceDir, maxShardBytes);
    }

    /** The source config.json with its extra keys kept (dtype set to float32), or one made from the config. */
    private static ObjectNode configJson(QwenConfig config, Path sourceDir) {
        if (sourceDir != null && Files.isRegularFile(sourceDir.resolve("config.json"))) {
            JsonNode n = QwenConfig.readJson(sourceDir.resolve("config.json"));
            if (n instanceof ObjectNode o) {
                o.put("torch_dtype", "float32");
                return o;
            }
        }
        return config.toJson();
    }
}
