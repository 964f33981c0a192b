package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The weights of a Hugging Face checkpoint directory: a single {@code model.safetensors} or a
 * {@code model.safetensors.index.json} naming several shards.
 */
public final class Checkpoint implements AutoCloseable {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final Path dir;
    private final Map<String, SafetensorsFile> byTensor;
    private final Map<String, SafetensorsFile> files;

    private Checkpoint(Path dir, Map<String, SafetensorsFile> byTensor, Map<String, SafetensorsFile> files) {
        this.dir = dir;
        this.byTensor = byTensor;
        this.files = files;
    }

    public static Checkpoint open(Path dir) {
        Path single = dir.resolve(SINGLE);
        Path index = dir.resolve(INDEX);
        Map<String, SafetensorsFile> files = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        try {
            if (Files.isRegularFile(single)) {
                SafetensorsFile f = SafetensorsFile.open(single);
                files.put(SINGLE, f);
                f.entries().keySet().forEach(n -> byTensor.put(n, f));
            } else if (Files.isRegularFile(index)) {
                JsonNode map = QwenConfig.readJson(index).get("weight_map");
                if (map == null || !map.isObject()) {
                    throw new IllegalArgumentException(index + ": missing key weight_map");
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String shard = e.getValue().asText();
                    if (shard.isEmpty() || shard.contains("/") || shard.contains("\\")) {
                        throw new IllegalArgumentException(index + ": weight_map." + e.getKey() + ": bad shard name '" + shard + "'");
                    }
                    SafetensorsFile f = files.get(shard);
                    if (f == null) {
                        Path p = dir.resolve(shard);
                        if (!Files.isRegularFile(p)) {
                            throw new IllegalArgumentException(index + ": weight_map." + e.getKey() + ": shard " + p + " does not exist");
                        }
                        f = SafetensorsFile.open(p);
                        files.put(shard, f);
                    }
                    if (!f.entries().containsKey(e.getKey())) {
                        throw new IllegalArgumentException(f.path() + ": missing tensor " + e.getKey() + " (listed in " + index + ")");
                    }
                    byTensor.put(e.getKey(), f);
                }
            } else {
                throw new IllegalArgumentException(dir + ": no " + SINGLE + " or " + INDEX);
            }
        } catch (RuntimeException e) {
            files.values().forEach(SafetensorsFile::close);
            throw e;
        }
        return new Checkpoint(dir, byTensor, files);
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(byTensor.keySet());
    }

    public boolean has(String name) {
        return byTensor.containsKey(name);
    }

    public SafetensorsFile.Entry entry(String name) {
        return file(name).entry(name);
    }

    public NDArray load(String name, NDManager manager, DataType target) {
        return file(name).load(name, manager, target);
    }

    private SafetensorsFile file(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) {
            String where = files.size() == 1 ? files.values().iterator().next().path().toString() : dir.toString();
            throw new IllegalArgumentException(where + ": missing tensor " + name);
        }
        return f;
    }

    @Override
    public void close() {
        files.values().forEach(SafetensorsFile::close);
    }
}
