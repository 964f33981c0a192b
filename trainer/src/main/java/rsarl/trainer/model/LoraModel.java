package rsarl.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import rsarl.model.LowRank;
import rsarl.model.TrainingPass;

import rsarl.model.peft.PeftAdapter;
import rsarl.trainer.config.LoraConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A frozen model trained through LoRA adapters: forwards compute {@code x W^T + (alpha/r) (x A^T) B^T} for each
 * adapted weight (backbones that cannot substitute {@code W + (alpha/r) B A}), the optimizer sees only A and B, saves write the merged model in the HF layout plus the exact
 * adapters ({@code adapter.safetensors}) so that a resume continues bit-identically.
 */
public final class LoraModel implements TrainableModel, AutoCloseable {
    public static final String ADAPTER_FILE = "adapter.safetensors";
    /** The checkpoint's PEFT adapter folder (loadable by {@code peft} and {@code vllm serve --lora-modules}). */
    public static final String PEFT_DIR = "adapter";

    /** What LoRA needs from the underlying model. */
    public interface Backbone {
        /** All parameters by HF name (the base weights; never modified by LoRA). */
        Map<String, NDArray> parameters();

        /** Logits [B, P + C, V] with the given parameters replacing the model's own of the same name. */
        NDArray logits(TokenBatch batch, Map<String, NDArray> overrides);

        /**
         * {@link Policy#forwardBackward} with the weights from {@code overrides} (called inside the pass's
         * GradientCollector) in place of the model's own. Default: one graph over {@link #logits(TokenBatch, Map)}.
         */
        default TrainingPass.Result forwardBackward(TokenBatch tb, NDManager m, double temperature,
                Function<NDArray, NDArray> loss, boolean entropy, boolean raw,
                Supplier<Map<String, NDArray>> overrides) {
            Policy onePass = new Policy() {
                @Override
                public NDArray logits(TokenBatch batch) {
                    return Backbone.this.logits(batch, overrides.get());
                }

                @Override
                public Map<String, NDArray> trainableParameters() {
                    return Map.of();
                }
            };
            return onePass.forwardBackward(tb, m, temperature, loss, entropy, raw);
        }

        /** {@link Policy#noGradLogprobs} with {@code overrides} in place of the model's weights. */
        default NDArray noGradLogprobs(TokenBatch tb, NDManager m, double temperature,
                Map<String, NDArray> overrides) {
            return tb.completionLogprobs(logits(tb, overrides), tb.inputIds(m), temperature);
        }

        /** {@link #logits(TokenBatch, Map)} with LoRA updates; default: their {@code W + s B A} as overrides. */
        default NDArray adaptedLogits(TokenBatch batch, Map<String, LowRank> adapters) {
            return logits(batch, effective(parameters(), adapters));
        }

        /**
         * {@link #forwardBackward(TokenBatch, NDManager, double, Function, boolean, boolean, Supplier)} with LoRA
         * updates; default: their {@code W + s B A} as overrides.
         */
        default TrainingPass.Result adaptedForwardBackward(TokenBatch tb, NDManager m, double temperature,
                Function<NDArray, NDArray> loss, boolean entropy, boolean raw, Map<String, LowRank> adapters) {
            return forwardBackward(tb, m, temperature, loss, entropy, raw, () -> effective(parameters(), adapters));
        }

        /** {@link #noGradLogprobs(TokenBatch, NDManager, double, Map)} with LoRA updates. */
        default NDArray adaptedNoGradLogprobs(TokenBatch tb, NDManager m, double temperature,
                Map<String, LowRank> adapters) {
            return noGradLogprobs(tb, m, temperature, effective(parameters(), adapters));
        }

        /** {@code W + s B A} for every adapted weight (differentiable: create inside the step's scope). */
        static Map<String, NDArray> effective(Map<String, NDArray> base, Map<String, LowRank> adapters) {
            Map<String, NDArray> out = new LinkedHashMap<>();
            adapters.forEach((k, a) -> out.put(k, a.effective(base.get(k))));
            return out;
        }

        /** Writes the model in the HF layout with {@code weights} as its parameters. */
        void save(Path dir, Map<String, NDArray> weights) throws IOException;
    }

    private final Backbone backbone;
    private final LoraSet lora;
    private final LoraConfig config;
    private final String baseModel;

    public LoraModel(Backbone backbone, LoraConfig config, long seed, ai.djl.Device device) {
        this(backbone, config, seed, device, null);
    }

    /** @param baseModel the base folder recorded as the PEFT adapter's {@code base_model_name_or_path} */
    public LoraModel(Backbone backbone, LoraConfig config, long seed, ai.djl.Device device, String baseModel) {
        this.backbone = backbone;
        this.lora = new LoraSet(backbone.parameters(), config, seed, device);
        this.config = config;
        this.baseModel = baseModel;
    }

    /** The current adapters in the PEFT layout (tensors are the live A and B: write them before the next update). */
    public PeftAdapter peft() {
        return new PeftAdapter(config.rank(), config.alpha(), false, config.targetModules(), baseModel,
                lora.trainableParameters());
    }

    public LoraSet lora() {
        return lora;
    }

    @Override
    public NDArray logits(TokenBatch batch) {
        return backbone.adaptedLogits(batch, lora.lowRank());
    }

    @Override
    public TrainingPass.Result forwardBackward(TokenBatch tb, NDManager m, double temperature,
            Function<NDArray, NDArray> loss, boolean entropy, boolean raw) {
        return backbone.adaptedForwardBackward(tb, m, temperature, loss, entropy, raw, lora.lowRank());
    }

    @Override
    public NDArray noGradLogprobs(TokenBatch tb, NDManager m, double temperature) {
        return backbone.adaptedNoGradLogprobs(tb, m, temperature, lora.lowRank());
    }

    @Override
    public Map<String, NDArray> trainableParameters() {
        return lora.trainableParameters();
    }

    @Override
    public void save(Path dir) throws IOException {
        try (NDManager tmp = NDManager.newBaseManager()) {
            backbone.save(dir, lora.merged(backbone.parameters(), tmp));
        }
    }

    @Override
    public void saveTrainable(Path checkpointDir) throws IOException {
        lora.save(checkpointDir.resolve(ADAPTER_FILE));
        Path peftDir = checkpointDir.resolve(PEFT_DIR);
        peft().write(peftDir);
        // As TRL saves them: the tokenizer beside the adapter makes the folder usable on its own.
        if (baseModel != null) {
            for (String f : java.util.List.of("tokenizer.json", "tokenizer_config.json")) {
                Path src = Path.of(baseModel).resolve(f);
                if (java.nio.file.Files.isRegularFile(src)) {
                    java.nio.file.Files.copy(src, peftDir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    @Override
    public void restore(Path checkpointDir) throws IOException {
        lora.load(checkpointDir.resolve(ADAPTER_FILE));
    }

    @Override
    public void close() {
        lora.close();
    }
}
