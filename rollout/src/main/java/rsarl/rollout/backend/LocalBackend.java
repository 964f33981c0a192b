package rsarl.rollout.backend;

import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.model.Generator;
import rsarl.rollout.config.BackendConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A backend that generates in this process with {@link Generator}: every request of a call is rendered with the
 * chat template and decoded in batches of at most {@code maxBatch} rows. Each request samples from its own seed,
 * so its text does not depend on what shares its batch.
 */
public final class LocalBackend implements Backend {
    private final LocalEngine engine;
    private final int maxBatch;
    private final Generator generator;

    /** Takes ownership of {@code engine} (closed with this backend). */
    public LocalBackend(LocalEngine engine, int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("max_batch: must be >= 1, got " + maxBatch);
        }
        this.engine = engine;
        this.maxBatch = maxBatch;
        this.generator = engine.generator(maxBatch);
    }

    /** {@code backend: {type: local, model: DIR, device: cpu, max_batch: 32, dtype: fp32}}. */
    public static LocalBackend fromConfig(BackendConfig config) {
        try {
            LocalEngine.device(config.device());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("backend." + e.getMessage(), e);
        }
        LocalEngine engine;
        try {
            engine = LocalEngine.load(Path.of(config.model()),
                    config.baseModel() == null ? null : Path.of(config.baseModel()), config.device(), config.dtype());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("backend.model: " + e.getMessage(), e);
        }
        return new LocalBackend(engine, config.maxBatch());
    }

    public LocalEngine engine() {
        return engine;
    }

    @Override
    public String describe() {
        return "local " + engine.dir() + " (device " + engine.device() + ", max batch " + maxBatch + ")";
    }

    @Override
    public synchronized List<BackendResult> generate(List<ChatRequest> requests, ResultListener listener) {
        List<GenerationRequest> prepared = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            ChatRequest r = requests.get(i);
            try {
                prepared.add(engine.request(engine.chatPrompt(r.messages()), r.params(), r.seed()));
            } catch (IllegalArgumentException e) {
                throw new BackendException(describe() + ": request " + i + ": " + e.getMessage(), e);
            }
        }
        // Batching similar prompt lengths together wastes less on left padding; results do not depend on it.
        Integer[] order = new Integer[requests.size()];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingInt(i -> prepared.get(i).promptIds().length));
        BackendResult[] results = new BackendResult[requests.size()];
        for (int start = 0; start < order.length; start += maxBatch) {
            int end = Math.min(order.length, start + maxBatch);
            List<GenerationRequest> batch = new ArrayList<>(end - start);
            for (int k = start; k < end; k++) {
                batch.add(prepared.get(order[k]));
            }
            List<Completion> out;
            try {
                out = generator.generate(batch);
            } catch (RuntimeException e) {
                throw new BackendException(describe() + ": generation failed: " + e.getMessage(), e);
            }
            for (int k = start; k < end; k++) {
                int index = order[k];
                TextCompletion t = engine.text(prepared.get(index), out.get(k - start));
                BackendResult r = new BackendResult(t.text(), t.promptTokens(), t.completionTokens(), t.finishReason());
                results[index] = r;
                listener.onResult(index, r);
            }
        }
        return Arrays.asList(results);
    }

    @Override
    public void close() {
        engine.close();
    }
}
