package rsarl.rollout.backend;

import rsarl.model.Generator;
import rsarl.rollout.config.BackendConfig;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A backend that generates in this process with {@link Generator}: requests are rendered with the chat template
 * and decoded with continuous batching ({@link ContinuousBatcher}), at most {@code maxBatch} rows and
 * {@code tokenBudget} prompt + max_tokens tokens at once. Each request samples from its own seed, so its text does
 * not depend on what shares its batch.
 */
public final class LocalBackend implements Backend {
    private final LocalEngine engine;
    private final int maxBatch;
    private final long tokenBudget;
    private final ContinuousBatcher batcher;

    /** Takes ownership of {@code engine} (closed with this backend); no token budget. */
    public LocalBackend(LocalEngine engine, int maxBatch) {
        this(engine, maxBatch, Long.MAX_VALUE);
    }

    /**
     * Takes ownership of {@code engine} (closed with this backend).
     *
     * @param tokenBudget most prompt + max_tokens tokens of the rows decoding at once
     */
    public LocalBackend(LocalEngine engine, int maxBatch, long tokenBudget) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("max_batch: must be >= 1, got " + maxBatch);
        }
        if (tokenBudget < 1) {
            throw new IllegalArgumentException("token_budget: must be >= 1, got " + tokenBudget);
        }
        this.engine = engine;
        this.maxBatch = maxBatch;
        this.tokenBudget = tokenBudget;
        this.batcher = new ContinuousBatcher(engine, engine.generator(maxBatch), maxBatch, tokenBudget, describe());
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
        return over(engine, config);
    }

    /**
     * A backend on an engine already loaded (the trainer's in-process eval of its current weights) with the batch
     * settings of {@code config} ({@code max_batch}, {@code token_budget}), as {@link #fromConfig} applies them.
     */
    public static LocalBackend over(LocalEngine engine, BackendConfig config) {
        return new LocalBackend(engine, config.maxBatch(),
                config.tokenBudget() == null ? Long.MAX_VALUE : config.tokenBudget());
    }

    public LocalEngine engine() {
        return engine;
    }

    @Override
    public String describe() {
        return "local " + engine.dir() + " (device " + engine.device() + ", max batch " + maxBatch
                + (tokenBudget == Long.MAX_VALUE ? "" : ", token budget " + tokenBudget) + ")";
    }

    /** As one feed: similar prompt lengths first share a batch (less left padding); results do not depend on it. */
    @Override
    public synchronized List<BackendResult> generate(List<ChatRequest> requests, ResultListener listener) {
        int[] lengths = new int[requests.size()];
        for (int i = 0; i < requests.size(); i++) {
            try {
                lengths[i] = engine.chatPrompt(requests.get(i).messages()).length;
            } catch (IllegalArgumentException e) {
                throw new BackendException(describe() + ": request " + i + ": " + e.getMessage(), e);
            }
        }
        Integer[] order = new Integer[requests.size()];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingInt(i -> lengths[i]));
        BackendResult[] results = new BackendResult[requests.size()];
        ArrayDeque<RequestFeed.Item> items = new ArrayDeque<>();
        for (int index : order) {
            items.add(new RequestFeed.Item(requests.get(index), r -> {
                results[index] = r;
                listener.onResult(index, r);
            }));
        }
        batcher.run(items::poll);
        return Arrays.asList(results);
    }

    /** Continuous batching: requests the feed makes ready join the running batch between decode steps. */
    @Override
    public synchronized void generate(RequestFeed feed) {
        batcher.run(feed);
    }

    /** Rows that joined a running batch between decode steps so far (continuous batching at work). */
    public synchronized long joinedRows() {
        return batcher.joinedRows();
    }

    @Override
    public void close() {
        engine.close();
    }
}
