package rsarl.trainer.engine;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.rollout.engine.RetryingHttp;
import rsarl.rollout.engine.SglangGenerate;
import rsarl.rollout.engine.TokenCompletions;
import rsarl.trainer.config.RolloutConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A vLLM or SGLang server (or {@code rsa serve}) as the trainer talks to it: token-id rollouts with
 * {@code max_concurrency} requests in flight, and the weight-sync calls of each engine. URLs: vLLM's
 * {@code base_url} ends in {@code /v1} (its admin routes {@code /collective_rpc} and {@code /reset_prefix_cache}
 * hang off the root); SGLang's is the root ({@code /v1/completions}, {@code /load_lora_adapter},
 * {@code /update_weights_from_disk}).
 */
public final class RolloutServer implements AutoCloseable {
    private final RolloutConfig.Engine engine;
    private final String root;
    private final String v1;
    private final RetryingHttp http;
    private final ExecutorService workers;
    private final int vocabSize;
    private volatile String served;

    public RolloutServer(RolloutConfig cfg, int vocabSize, PrintStream log) {
        this.engine = cfg.engine();
        String u = cfg.baseUrl().replaceAll("/+$", "");
        this.root = u.endsWith("/v1") ? u.substring(0, u.length() - 3) : u;
        this.v1 = root + "/v1";
        String key = cfg.apiKeyEnv() == null ? null : System.getenv(cfg.apiKeyEnv());
        this.http = new RetryingHttp(Duration.ofMillis(Math.round(cfg.timeoutS() * 1000)),
                Duration.ofMillis(Math.round(cfg.maxRetryWaitS() * 1000)), key, log);
        this.workers = Executors.newFixedThreadPool(cfg.maxConcurrency(), r -> {
            Thread t = new Thread(r, "rollout-http");
            t.setDaemon(true);
            return t;
        });
        this.vocabSize = vocabSize;
    }

    /** The served (base) model's name: the first of {@code GET /v1/models}; also checks the server is up. */
    public String servedModel() throws IOException {
        served = TokenCompletions.models(http, v1 + "/models").get(0);
        return served;
    }

    /** Every model name the server lists (base and adapters). */
    public List<String> models() throws IOException {
        return TokenCompletions.models(http, v1 + "/models");
    }

    /**
     * Samples the requests from {@code model}: consecutive rows with the same prompt and settings go out as one
     * request with {@code n} choices (seeded by the first row's seed), the rest one by one; completions come back in
     * row order. vLLM (and {@code rsa serve}) get {@code /v1/completions}, SGLang its native {@code /generate}
     * (adapters by {@code lora_path} name).
     */
    public List<Completion> generate(String model, List<GenerationRequest> rows) throws IOException {
        List<Future<List<Completion>>> calls = new ArrayList<>();
        boolean sglang = engine == RolloutConfig.Engine.SGLANG;
        String url = sglang ? root + "/generate" : v1 + "/completions";
        String adapter = model.equals(served) ? null : model;
        for (int from = 0; from < rows.size(); ) {
            int to = from + 1;
            while (to < rows.size() && Arrays.equals(rows.get(to).promptIds(), rows.get(from).promptIds())
                    && rows.get(to).params().equals(rows.get(from).params())) {
                to++;
            }
            GenerationRequest first = rows.get(from);
            int n = to - from;
            TokenCompletions.Params p = new TokenCompletions.Params(first.params().maxNewTokens(),
                    first.params().temperature(), first.params().topP(), first.params().stopTokenIds());
            calls.add(workers.submit(() -> sglang
                    ? SglangGenerate.request(http, url, adapter, first.promptIds(), n, first.seed(), p, vocabSize)
                    : TokenCompletions.request(http, url, model, first.promptIds(), n, first.seed(), p, vocabSize)));
            from = to;
        }
        List<Completion> out = new ArrayList<>(rows.size());
        try {
            for (Future<List<Completion>> f : calls) out.addAll(f.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            calls.forEach(f -> f.cancel(true));
            throw new IOException("interrupted while waiting for " + url, e);
        } catch (ExecutionException e) {
            calls.forEach(f -> f.cancel(true));
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw new IOException(io.getMessage(), io);
            if (c instanceof RuntimeException re) throw re;
            throw new IOException(c);
        }
        return out;
    }

    /**
     * Hot-loads a PEFT adapter folder as model {@code name}. A rerun after a crash may meet an adapter of that name
     * left by the crashed run (its weights need not be this run's): it is unloaded and loaded again, which gives it
     * a new internal id on vLLM, so no prefix-cache entry of the old one is reused.
     */
    public void loadAdapter(String name, String path) throws IOException {
        ObjectNode b = JsonNodeFactory.instance.objectNode().put("lora_name", name).put("lora_path", path);
        String url = (engine == RolloutConfig.Engine.SGLANG ? root : v1) + "/load_lora_adapter";
        try {
            http.post(url, b);
        } catch (RetryingHttp.Refused e) {
            if (e.status() != 400 || !e.getMessage().contains("already been loaded")) throw e;
            unloadAdapter(name);
            http.post(url, b);
        }
    }

    public void unloadAdapter(String name) throws IOException {
        ObjectNode b = JsonNodeFactory.instance.objectNode().put("lora_name", name);
        String url = (engine == RolloutConfig.Engine.SGLANG ? root : v1) + "/unload_lora_adapter";
        try {
            http.post(url, b);
        } catch (RetryingHttp.Refused e) {
            if (e.status() != 404) throw e; // already gone
        }
    }

    /**
     * Asks the server to reload its weights from an HF folder: SGLang's {@code /update_weights_from_disk}; vLLM's
     * {@code /collective_rpc} to the worker extension's {@code reload_weights_from_disk}, then
     * {@code /reset_prefix_cache} (cached prefixes hold the old weights' keys and values).
     */
    public void updateWeights(String path, long version) throws IOException {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (engine == RolloutConfig.Engine.SGLANG) {
            http.post(root + "/update_weights_from_disk", f.objectNode().put("model_path", path)
                    .put("weight_version", "v" + version).put("flush_cache", true));
        } else {
            ObjectNode b = f.objectNode().put("method", "reload_weights_from_disk");
            b.putArray("args").add(path);
            http.post(root + "/collective_rpc", b);
            http.post(root + "/reset_prefix_cache", f.objectNode());
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
