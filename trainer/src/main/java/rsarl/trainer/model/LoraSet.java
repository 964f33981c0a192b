package rsarl.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import rsarl.model.CheckpointWriter;
import rsarl.model.LowRank;
import rsarl.model.SafetensorsFile;
import rsarl.trainer.config.LoraConfig;
import rsarl.trainer.loop.Rng;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The LoRA adapters of a model: one {@link LoraAdapter} per 2-D weight whose module name (the part before
 * {@code .weight}, e.g. {@code q_proj}) is in {@code lora.target_modules}. The base weights stay frozen; the
 * trainable parameters are the adapters' A and B ({@code <module>.lora_A.weight}, {@code <module>.lora_B.weight},
 * PEFT's names without the {@code base_model.model.} prefix and adapter name).
 */
public final class LoraSet implements AutoCloseable {
    private final NDManager manager;
    private final Map<String, LoraAdapter> adapters = new LinkedHashMap<>();

    public LoraSet(Map<String, NDArray> baseParams, LoraConfig config, long seed, ai.djl.Device device) {
        if (!config.enabled()) {
            throw new IllegalArgumentException("lora.rank is 0: LoRA disabled");
        }
        this.manager = NDManager.newBaseManager(device);
        Rng rng = Rng.forStream(seed, "lora");
        for (Map.Entry<String, NDArray> e : baseParams.entrySet()) {
            String module = moduleOf(e.getKey());
            if (module != null && config.targetModules().contains(module) && e.getValue().getShape().dimension() == 2) {
                adapters.put(e.getKey(), new LoraAdapter(e.getKey(), e.getValue(), config.rank(), config.alpha(), rng,
                        manager));
            }
        }
        if (adapters.isEmpty()) {
            throw new IllegalArgumentException("lora.target_modules " + config.targetModules()
                    + " matched no 2-D weight of the model");
        }
    }

    /** {@code a.b.q_proj.weight} -> {@code q_proj}; null for names not ending in {@code .weight}. */
    static String moduleOf(String param) {
        if (!param.endsWith(".weight")) {
            return null;
        }
        String stem = param.substring(0, param.length() - ".weight".length());
        return stem.substring(stem.lastIndexOf('.') + 1);
    }

    public Map<String, LoraAdapter> adapters() {
        return adapters;
    }

    /** The trainable tensors, named PEFT-style; hand these to {@link rsarl.trainer.optim.AdamW#update} and {@link rsarl.trainer.optim.Gradients}. */
    public Map<String, NDArray> trainableParameters() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, LoraAdapter> e : adapters.entrySet()) {
            String stem = e.getKey().substring(0, e.getKey().length() - ".weight".length());
            out.put(stem + ".lora_A.weight", e.getValue().a());
            out.put(stem + ".lora_B.weight", e.getValue().b());
        }
        return out;
    }

    /** Every adapter's A, B and scale by its base weight's name (applied without forming {@code W + s B A}). */
    public Map<String, LowRank> lowRank() {
        Map<String, LowRank> out = new LinkedHashMap<>();
        adapters.forEach((k, a) -> out.put(k, a.lowRank()));
        return out;
    }

    /** The base parameters with every adapted weight replaced by its merged value ("merged on save"). */
    public Map<String, NDArray> merged(Map<String, NDArray> baseParams, NDManager into) {
        Map<String, NDArray> out = new LinkedHashMap<>(baseParams);
        adapters.forEach((k, a) -> out.put(k, a.merged(into)));
        return out;
    }

    /** Saves A and B exactly (a resumed run continues from these, not from merged weights). */
    public void save(Path file) throws IOException {
        CheckpointWriter.writeTensors(file, trainableParameters(), Map.of("format", "lora"));
    }

    /** Restores A and B in place; errors name the file and the missing or mis-shaped tensor. */
    public void load(Path file) throws IOException {
        try (NDManager tmp = manager.newSubManager()) {
            Map<String, NDArray> saved = SafetensorsFile.readAll(file, tmp).tensors();
            Map<String, NDArray> live = trainableParameters();
            if (!saved.keySet().equals(live.keySet())) {
                throw new IOException(file + ": adapters " + saved.keySet() + " do not match the configured ones "
                        + live.keySet());
            }
            for (Map.Entry<String, NDArray> e : live.entrySet()) {
                NDArray s = saved.get(e.getKey());
                if (!s.getShape().equals(e.getValue().getShape())) {
                    throw new IOException(file + ": '" + e.getKey() + "' has shape " + s.getShape() + ", expected "
                            + e.getValue().getShape());
                }
                e.getValue().set(s.toByteBuffer());
            }
        }
    }

    /**
     * Starts from a PEFT adapter folder's A and B ({@code lora.init_from}): it must adapt the same modules with the
     * same rank and alpha; errors name the key and the folder.
     */
    public void initFrom(Path dir, LoraConfig config) throws IOException {
        try (NDManager tmp = manager.newSubManager()) {
            rsarl.model.peft.PeftAdapter a = rsarl.model.peft.PeftAdapter.read(dir, tmp);
            String at = "key 'lora.init_from': " + dir;
            if (a.r() != config.rank() || a.scale() != config.alpha() / config.rank()) {
                throw new IOException(at + " has r = " + a.r() + ", lora_alpha = " + a.loraAlpha()
                        + (a.useRslora() ? " (rslora)" : "") + "; the run has lora.rank = " + config.rank()
                        + ", lora.alpha = " + config.alpha());
            }
            Map<String, NDArray> live = trainableParameters();
            if (!a.tensors().keySet().equals(live.keySet())) {
                throw new IOException(at + " adapts " + a.tensors().keySet() + ", the run's lora.target_modules give "
                        + live.keySet());
            }
            for (Map.Entry<String, NDArray> e : live.entrySet()) {
                NDArray s = a.tensors().get(e.getKey());
                if (!s.getShape().equals(e.getValue().getShape())) {
                    throw new IOException(at + ": '" + e.getKey() + "' has shape " + s.getShape() + ", expected "
                            + e.getValue().getShape());
                }
                e.getValue().set(s.toType(e.getValue().getDataType(), false).toByteBuffer());
            }
        }
    }

    public List<String> adaptedWeights() {
        return List.copyOf(adapters.keySet());
    }

    @Override
    public void close() {
        manager.close();
    }
}
