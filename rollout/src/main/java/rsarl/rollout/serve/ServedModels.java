package rsarl.rollout.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import rsarl.model.Generator;
import rsarl.model.QwenModel;
import rsarl.model.peft.PeftAdapter;
import rsarl.rollout.backend.LocalEngine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code rsa serve} serves: the base model under its served name and the LoRA adapters loaded at run time
 * (vLLM's {@code /v1/load_lora_adapter}, {@code --lora-modules}), each merged into its own copy of the adapted
 * weights, plus in-place reloads of the base weights (SGLang's {@code /update_weights_from_disk}). Each name gets
 * its own {@link BatchScheduler} (a batch decodes one set of weights); one lock keeps generation and weight changes
 * apart, since generation is not thread-safe. Errors use vLLM's status codes and messages.
 */
public final class ServedModels implements AutoCloseable {
    private record Adapter(Path path, NDManager manager, QwenModel model, BatchScheduler scheduler) {}

    private final LocalEngine engine;
    private final ServeOptions options;
    private final BatchScheduler base;
    private final Map<String, Adapter> adapters = new LinkedHashMap<>();
    private final Object generating = new Object();
    private String weightVersion;
    private final List<String> history = new ArrayList<>();

    public ServedModels(LocalEngine engine, ServeOptions options) {
        this.engine = engine;
        this.options = options;
        this.base = scheduler(engine.model());
    }

    private BatchScheduler scheduler(QwenModel model) {
        // Continuous batching; every decode step holds the lock, so weight changes and the other names' batches
        // run between steps.
        Generator g = engine.generator(model, options.maxBatch()).withProcessedLogprobs(options.processedLogprobs());
        return new BatchScheduler(g, generating, options.maxBatch(), options.batchWait(), options.fillWait(),
                options.maxQueuedRows(), options.tokenBudget(), options.prefillChunkTokens());
    }

    /** The scheduler of the base model. */
    public BatchScheduler baseScheduler() {
        return base;
    }

    /**
     * The scheduler for a request's {@code model} (null or the served name: the base; else a loaded adapter).
     *
     * @throws ApiError 404 for a name that is neither
     */
    public synchronized BatchScheduler scheduler(String model) {
        if (model == null || model.equals(options.servedModelName())) return base;
        Adapter a = adapters.get(model);
        if (a == null) {
            throw new ApiError(404, "invalid_request_error", "model", "model_not_found", "model: The model `" + model
                    + "` does not exist (this server serves '" + options.servedModelName() + "' and adapters "
                    + adapters.keySet() + ")");
        }
        return a.scheduler();
    }

    /** Adapter names with their folders, in load order. */
    public synchronized Map<String, Path> adapters() {
        Map<String, Path> out = new LinkedHashMap<>();
        adapters.forEach((k, v) -> out.put(k, v.path()));
        return out;
    }

    /** Every weight change so far, oldest first: {@code load NAME}, {@code unload NAME}, {@code update PATH}. */
    public synchronized List<String> history() {
        return List.copyOf(history);
    }

    /** {@code weight_version} of the last {@link #updateWeightsFromDisk}, or null. */
    public synchronized String weightVersion() {
        return weightVersion;
    }

    /** Loads a PEFT adapter under {@code name}: 400 for a name in use or an unreadable adapter, 404 for no folder. */
    public void load(String name, String path) {
        if (name == null || name.isBlank() || path == null || path.isBlank()) {
            throw new ApiError(400, "InvalidUserInput", null, null, "Both 'lora_name' and 'lora_path' must be provided.");
        }
        synchronized (this) {
            if (name.equals(options.servedModelName()) || adapters.containsKey(name)) {
                throw new ApiError(400, "InvalidUserInput", "lora_name", null,
                        "The lora adapter '" + name + "' has already been loaded.");
            }
        }
        Path dir = Path.of(path);
        if (!Files.isDirectory(dir)) {
            throw new ApiError(404, "NotFoundError", "lora_path", null, "lora_path: no adapter folder " + path);
        }
        NDManager m = engine.model().manager().newSubManager();
        QwenModel view;
        try {
            PeftAdapter a = PeftAdapter.read(dir, m);
            Map<String, NDArray> merged = a.merged(engine.model().parameters(), m, path);
            view = engine.model().withWeights(merged);
        } catch (IOException | RuntimeException e) {
            m.close();
            throw new ApiError(400, "BadRequestError", "lora_path", null, "lora_path: " + e.getMessage());
        }
        synchronized (this) {
            if (adapters.containsKey(name)) {
                m.close();
                throw new ApiError(400, "InvalidUserInput", "lora_name", null,
                        "The lora adapter '" + name + "' has already been loaded.");
            }
            adapters.put(name, new Adapter(dir, m, view, scheduler(view)));
            history.add("load " + name);
        }
    }

    /** Unloads an adapter after its queued rows finish; 404 for an unknown name. */
    public void unload(String name) {
        if (name == null || name.isBlank()) {
            throw new ApiError(400, "InvalidUserInput", null, null,
                    "'lora_name' needs to be provided to unload a LoRA adapter.");
        }
        Adapter a;
        synchronized (this) {
            a = adapters.remove(name);
        }
        if (a == null) {
            throw new ApiError(404, "NotFoundError", "lora_name", null,
                    "The lora adapter '" + name + "' cannot be found.");
        }
        synchronized (this) {
            history.add("unload " + name);
        }
        a.scheduler().close(Duration.ofSeconds(60));
        synchronized (generating) {
            a.manager().close();
        }
    }

    /**
     * Overwrites the base weights in place with those of an HF folder, between batches (SGLang's
     * {@code /update_weights_from_disk}); adapters keep the weights they were merged with.
     */
    public void updateWeightsFromDisk(String path, String version) {
        if (path == null || path.isBlank()) throw ApiError.badField("model_path", "required");
        if (!Files.isRegularFile(Path.of(path).resolve("config.json"))) {
            throw ApiError.badField("model_path", "not a model folder (no config.json): " + path);
        }
        synchronized (generating) {
            try {
                engine.model().loadWeightsFrom(Path.of(path));
            } catch (RuntimeException e) {
                throw ApiError.badField("model_path", e.getMessage());
            }
        }
        synchronized (this) {
            weightVersion = version;
            history.add("update " + path);
        }
    }

    @Override
    public void close() {
        List<Adapter> all;
        synchronized (this) {
            all = new ArrayList<>(adapters.values());
            adapters.clear();
        }
        base.close(Duration.ofSeconds(5));
        for (Adapter a : all) {
            a.scheduler().close(Duration.ofSeconds(5));
            a.manager().close();
        }
    }
}
