package rsarl.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rsarl.rollout.backend.LocalEngine;
import rsarl.rollout.serve.OpenAiServer;
import rsarl.rollout.serve.ServeOptions;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code rsa serve}: an OpenAI-compatible HTTP server over a local model folder. Runs until SIGTERM/SIGINT
 * (a shutdown hook lets requests in flight finish) or, in-process, until its thread is interrupted.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model folder over an OpenAI-compatible API (/v1/chat/completions, /v1/completions, "
                + "/v1/models, /health); concurrent requests are decoded together in batches.")
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "model folder (weights, config.json, tokenizer.json)")
    Path model;

    @Option(names = "--port", defaultValue = "8000", description = "TCP port; 0 picks a free one (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--max-batch", defaultValue = "32", description = "most rows decoded together (default ${DEFAULT-VALUE})")
    int maxBatch;

    @Option(names = "--batch-wait-ms", defaultValue = "5",
            description = "how long to wait for more requests before a batch starts (default ${DEFAULT-VALUE})")
    int batchWaitMs;

    @Option(names = "--fill-wait-ms", defaultValue = "250",
            description = "longer wait used while fewer requests have arrived than were in flight when the last "
                    + "batch ended, so closed-loop clients fill one batch (default ${DEFAULT-VALUE})")
    int fillWaitMs;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu (default), cuda or cuda:N")
    String device;

    @Option(names = "--served-model-name", description = "name clients pass as 'model' (default: the folder name)")
    String servedModelName;

    @Option(names = "--default-max-tokens", defaultValue = "1024",
            description = "chat reply cap when a request sets no max_tokens (default ${DEFAULT-VALUE})")
    int defaultMaxTokens;

    @Option(names = "--shutdown-grace-s", defaultValue = "30",
            description = "how long shutdown waits for requests in flight (default ${DEFAULT-VALUE})")
    int graceSeconds;

    @Option(names = "--lora-modules", arity = "1..*", paramLabel = "NAME=DIR",
            description = "PEFT adapter folders served as models NAME (as vllm serve --lora-modules); more can be "
                    + "loaded at run time with POST /v1/load_lora_adapter")
    java.util.List<String> loraModules = new java.util.ArrayList<>();

    @Option(names = "--max-queued", defaultValue = "" + ServeOptions.DEFAULT_MAX_QUEUED_ROWS,
            description = "rows (choices) that may wait for a batch; more get 429 with Retry-After (default ${DEFAULT-VALUE})")
    int maxQueued;

    @Option(names = "--token-budget", defaultValue = "" + ServeOptions.DEFAULT_TOKEN_BUDGET,
            description = "most prompt + max_tokens tokens per batch, bounding the KV cache; a longer request gets "
                    + "400 (default ${DEFAULT-VALUE})")
    long tokenBudget;

    @Option(names = "--prefill-chunk-tokens", defaultValue = "" + ServeOptions.DEFAULT_PREFILL_CHUNK_TOKENS,
            description = "most prompt tokens prefilled per decode step while a batch runs (arrivals join in chunks "
                    + "of this size, so running rows keep decoding; default ${DEFAULT-VALUE})")
    int prefillChunkTokens;

    @Option(names = "--stream-interval", defaultValue = "1",
            description = "tokens per streamed chunk, as vLLM's and SGLang's: 1 sends every token; more cost fewer "
                    + "wake-ups per token on a busy CPU (default ${DEFAULT-VALUE})")
    int streamInterval;

    @Option(names = "--logprobs-mode", defaultValue = "raw",
            description = "raw: log-probs of the model (temperature 1, no penalties; what trainers use); processed: "
                    + "of the distribution tokens are drawn from (default ${DEFAULT-VALUE})")
    String logprobsMode;

    @Override
    public Integer call() {
        if (!logprobsMode.equals("raw") && !logprobsMode.equals("processed")) {
            throw new IllegalArgumentException("--logprobs-mode must be raw or processed, got '" + logprobsMode + "'");
        }
        if (maxQueued < 1) throw new IllegalArgumentException("--max-queued must be >= 1, got " + maxQueued);
        if (tokenBudget < 1) throw new IllegalArgumentException("--token-budget must be >= 1, got " + tokenBudget);
        if (streamInterval < 1) {
            throw new IllegalArgumentException("--stream-interval must be >= 1, got " + streamInterval);
        }
        if (prefillChunkTokens < 1) {
            throw new IllegalArgumentException("--prefill-chunk-tokens must be >= 1, got " + prefillChunkTokens);
        }
        if (maxBatch < 1) throw new IllegalArgumentException("--max-batch must be >= 1, got " + maxBatch);
        if (batchWaitMs < 0) throw new IllegalArgumentException("--batch-wait-ms must be >= 0, got " + batchWaitMs);
        if (fillWaitMs < batchWaitMs) {
            throw new IllegalArgumentException("--fill-wait-ms must be >= --batch-wait-ms (" + batchWaitMs + "), got " + fillWaitMs);
        }
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be in [0, 65535], got " + port);
        if (defaultMaxTokens < 1) {
            throw new IllegalArgumentException("--default-max-tokens must be >= 1, got " + defaultMaxTokens);
        }
        try {
            rsarl.model.ComputeOptions.usable(device);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--device " + e.getMessage(), e);
        }
        LocalEngine engine;
        try {
            engine = LocalEngine.load(model, device);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--model: " + e.getMessage(), e);
        }
        String name = servedModelName != null ? servedModelName : engine.name();
        ServeOptions options = new ServeOptions(host, port, name, maxBatch, Duration.ofMillis(batchWaitMs),
                Duration.ofMillis(fillWaitMs), defaultMaxTokens, Duration.ofSeconds(graceSeconds), maxQueued, tokenBudget,
                logprobsMode.equals("processed"), prefillChunkTokens, streamInterval);
        OpenAiServer server;
        try {
            server = OpenAiServer.start(engine, options);
        } catch (IOException | RuntimeException e) {
            engine.close();
            throw new IllegalArgumentException("--host/--port: cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        for (String m : loraModules) {
            int eq = m.indexOf('=');
            try {
                if (eq < 1) throw new IllegalArgumentException("expected NAME=DIR, got '" + m + "'");
                server.models().load(m.substring(0, eq), m.substring(eq + 1));
            } catch (RuntimeException e) {
                server.close();
                engine.close();
                throw new IllegalArgumentException("--lora-modules: " + e.getMessage(), e);
            }
        }
        AtomicBoolean stopped = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(1);
        Runnable stop = () -> {
            if (stopped.compareAndSet(false, true)) {
                server.close();
                engine.close();
                done.countDown();
            }
        };
        Thread hook = new Thread(stop, "rsa-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        PrintWriter out = spec.commandLine().getOut();
        out.println("rsa serve: listening on " + server.baseUrl() + " (model " + name + ")");
        out.flush();
        try {
            done.await();
        } catch (InterruptedException e) {
            // In-process use (tests, embedding): an interrupt stops the server like SIGTERM does.
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is already running and does the same.
            }
            stop.run();
        }
        return 0;
    }

}
