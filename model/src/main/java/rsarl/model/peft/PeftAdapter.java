package rsarl.model.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import rsarl.model.CheckpointWriter;
import rsarl.model.SafetensorsFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A LoRA adapter folder in the PEFT layout, as {@code peft}, TRL and {@code vllm serve --lora-modules} read and write
 * it: {@code adapter_config.json} ({@code r}, {@code lora_alpha}, {@code target_modules},
 * {@code base_model_name_or_path}) and {@code adapter_model.safetensors} with tensors named
 * {@code base_model.model.<module>.lora_A.weight} [r, in] and {@code ...lora_B.weight} [out, r].
 *
 * <p>In memory the tensors are keyed without the {@code base_model.model.} prefix (the trainer's names:
 * {@code model.layers.0.self_attn.q_proj.lora_A.weight}); the merged weight of a module is
 * {@code W + scale B A} with {@code scale = lora_alpha / r} ({@code lora_alpha / sqrt(r)} with {@code use_rslora}).
 *
 * @param tensors lora_A / lora_B tensors by the trainer's names
 */
public record PeftAdapter(int r, double loraAlpha, boolean useRslora, List<String> targetModules,
        String baseModelNameOrPath, Map<String, NDArray> tensors) {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    public static final String PREFIX = "base_model.model.";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Whether {@code dir} holds a PEFT adapter (an {@code adapter_config.json}). */
    public static boolean isAdapter(Path dir) {
        return dir != null && Files.isRegularFile(dir.resolve(CONFIG));
    }

    public double scale() {
        return useRslora ? loraAlpha / Math.sqrt(r) : loraAlpha / r;
    }

    /**
     * Writes the adapter into {@code dir} through a temporary sibling renamed into place (a reader never sees a
     * half-written adapter); an existing {@code dir} is replaced.
     */
    public void write(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        Path tmp = abs.getParent().resolve("." + abs.getFileName() + ".tmp-" + System.nanoTime());
        Files.createDirectories(tmp);
        try {
            Map<String, NDArray> named = new LinkedHashMap<>();
            tensors.forEach((k, v) -> named.put(PREFIX + k, v));
            CheckpointWriter.writeTensors(tmp.resolve(WEIGHTS), named, Map.of("format", "pt"));
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve(CONFIG).toFile(), configJson());
            if (Files.exists(abs)) {
                Path old = abs.getParent().resolve("." + abs.getFileName() + ".old-" + System.nanoTime());
                Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
                deleteTree(old);
            } else {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
    }

    private ObjectNode configJson() {
        ObjectNode c = JSON.createObjectNode();
        c.put("peft_type", "LORA");
        c.put("task_type", "CAUSAL_LM");
        c.put("base_model_name_or_path", baseModelNameOrPath);
        c.put("r", r);
        c.put("lora_alpha", loraAlpha);
        c.put("lora_dropout", 0.0);
        c.put("bias", "none");
        c.put("fan_in_fan_out", false);
        c.put("use_rslora", useRslora);
        c.put("inference_mode", true);
        ArrayNode t = c.putArray("target_modules");
        targetModules.forEach(t::add);
        return c;
    }

    /** Reads an adapter folder into {@code manager}; errors name the folder and the bad key or tensor. */
    public static PeftAdapter read(Path dir, NDManager manager) throws IOException {
        Path cfgFile = dir.resolve(CONFIG);
        JsonNode c;
        try {
            c = JSON.readTree(cfgFile.toFile());
        } catch (IOException e) {
            throw new IOException(cfgFile + ": cannot read the adapter config: " + e.getMessage(), e);
        }
        if (c == null || !c.isObject()) throw new IOException(cfgFile + ": expected a JSON object");
        String type = c.path("peft_type").asText("LORA");
        if (!type.equalsIgnoreCase("LORA")) {
            throw new IOException(cfgFile + ": peft_type '" + type + "' is not supported (only LORA)");
        }
        if (!c.path("r").canConvertToInt() || c.path("r").asInt() < 1) {
            throw new IOException(cfgFile + ": key 'r' must be a positive integer, got " + c.get("r"));
        }
        if (!c.path("lora_alpha").isNumber()) {
            throw new IOException(cfgFile + ": key 'lora_alpha' must be a number, got " + c.get("lora_alpha"));
        }
        List<String> targets = new ArrayList<>();
        c.path("target_modules").forEach(n -> targets.add(n.asText()));
        Path weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(weights)) {
            throw new IOException(dir + ": no " + WEIGHTS + " beside " + CONFIG);
        }
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : SafetensorsFile.readAll(weights, manager).tensors().entrySet()) {
            String name = e.getKey().startsWith(PREFIX) ? e.getKey().substring(PREFIX.length()) : e.getKey();
            // PEFT may keep the adapter name in the key (".lora_A.default.weight"); drop it.
            name = name.replace(".lora_A.default.", ".lora_A.").replace(".lora_B.default.", ".lora_B.");
            if (!name.endsWith(".lora_A.weight") && !name.endsWith(".lora_B.weight")) {
                throw new IOException(weights + ": tensor '" + e.getKey() + "' is not a lora_A/lora_B weight");
            }
            tensors.put(name, e.getValue().toType(ai.djl.ndarray.types.DataType.FLOAT32, false));
        }
        String base = c.path("base_model_name_or_path").isTextual() ? c.get("base_model_name_or_path").asText() : null;
        return new PeftAdapter(c.get("r").asInt(), c.get("lora_alpha").asDouble(), c.path("use_rslora").asBoolean(false),
                List.copyOf(targets), base, tensors);
    }

    /**
     * The merged weights {@code W + scale B A} of every adapted module, keyed by the base parameter's name and
     * owned by {@code into}; errors name the adapter's tensor that has no base weight or the wrong shape.
     */
    public Map<String, NDArray> merged(Map<String, NDArray> base, NDManager into, String source) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            if (!e.getKey().endsWith(".lora_A.weight")) continue;
            String stem = e.getKey().substring(0, e.getKey().length() - ".lora_A.weight".length());
            NDArray b = tensors.get(stem + ".lora_B.weight");
            NDArray w = base.get(stem + ".weight");
            if (b == null) throw new IllegalArgumentException(source + ": " + stem + " has lora_A but no lora_B");
            if (w == null) {
                throw new IllegalArgumentException(source + ": adapter tensor " + e.getKey()
                        + " has no base weight " + stem + ".weight (is it an adapter of another model?)");
            }
            NDArray a = e.getValue();
            if (w.getShape().dimension() != 2 || a.getShape().get(1) != w.getShape().get(1)
                    || b.getShape().get(0) != w.getShape().get(0) || b.getShape().get(1) != a.getShape().get(0)) {
                throw new IllegalArgumentException(source + ": " + stem + " lora_A " + a.getShape() + " and lora_B "
                        + b.getShape() + " do not fit the base weight " + w.getShape());
            }
            NDArray m = w.stopGradient().add(b.toDevice(w.getDevice(), false).matMul(a.toDevice(w.getDevice(), false))
                    .mul((float) scale()).toType(w.getDataType(), false));
            m.attach(into);
            out.put(stem + ".weight", m);
        }
        if (out.isEmpty()) throw new IllegalArgumentException(source + ": the adapter holds no lora_A weights");
        return out;
    }

    /**
     * Loads an adapter folder as a model: its base ({@link #baseDir}) with the adapter merged into the weights in
     * place; errors name the adapter folder.
     */
    public static rsarl.model.QwenModel loadMerged(Path adapterDir, Path explicitBase, ai.djl.Device device,
            ai.djl.ndarray.types.DataType computeType) throws IOException {
        Path base = baseDir(adapterDir, explicitBase);
        rsarl.model.QwenModel model = rsarl.model.QwenModel.load(base, device, computeType);
        try (NDManager scratch = model.manager().newSubManager()) {
            PeftAdapter a = read(adapterDir, scratch);
            Map<String, NDArray> params = model.parameters();
            for (Map.Entry<String, NDArray> e : a.merged(params, scratch, adapterDir.toString()).entrySet()) {
                params.get(e.getKey()).set(e.getValue().toType(params.get(e.getKey()).getDataType(), false)
                        .toByteBuffer());
            }
            return model;
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * The base model folder of an adapter: {@code explicitBase} when given, else {@code base_model_name_or_path}
     * (absolute, or relative to the adapter folder, then to the working directory); errors say what to pass.
     */
    public static Path baseDir(Path adapterDir, Path explicitBase) throws IOException {
        if (explicitBase != null) return explicitBase;
        JsonNode c = JSON.readTree(adapterDir.resolve(CONFIG).toFile());
        String base = c == null ? null : c.path("base_model_name_or_path").asText(null);
        if (base == null || base.isBlank()) {
            throw new IOException(adapterDir.resolve(CONFIG) + ": no base_model_name_or_path; name the base folder");
        }
        for (Path p : List.of(Path.of(base), adapterDir.resolve(base))) {
            if (Files.isRegularFile(p.resolve("config.json"))) return p;
        }
        throw new IOException(adapterDir.resolve(CONFIG) + ": base_model_name_or_path '" + base
                + "' is not a model folder here (config.json); name the base folder explicitly");
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
