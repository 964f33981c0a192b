package rsarl.rollout.serve;

import java.time.Duration;

/**
 * Settings of the OpenAI-compatible server.
 *
 * @param host             address to bind (127.0.0.1 keeps the server private to this machine)
 * @param port             TCP port; 0 picks a free one
 * @param servedModelName  the name clients pass as {@code model}
 * @param maxBatch         most rows (choices) decoded together in one generate call
 * @param batchWait        how long the scheduler waits for more requests before starting a batch
 * @param fillWait         how long it waits instead while fewer rows have arrived than were in flight when the
 *                         last batch ended (closed-loop clients about to send their next requests)
 * @param defaultMaxTokens chat reply length cap when a request names none
 * @param shutdownGrace    how long closing waits for requests in flight
 * @param maxQueuedRows    rows (choices) that may wait for a batch; past it requests get 429 with Retry-After
 * @param tokenBudget      most prompt + max_tokens tokens of the rows in one batch (bounds the KV cache);
 *                         rows beyond it wait for the next batch, in arrival order
 * @param processedLogprobs report log-probs after penalties and temperature (vLLM's {@code processed_logprobs})
 *                         instead of the raw model's ({@code raw_logprobs}, the default)
 * @param prefillChunkTokens most prompt tokens a continuous batch prefills per decode step (chunked admission;
 *                         one prompt longer than this still goes in whole)
 * @param streamInterval   tokens per streamed chunk (vLLM's and SGLang's {@code --stream-interval}): 1 sends every
 *                         token as it is picked; more wake each stream's writer (and client) that many times less
 */
public record ServeOptions(String host, int port, String servedModelName, int maxBatch, Duration batchWait,
                           Duration fillWait, int defaultMaxTokens, Duration shutdownGrace, int maxQueuedRows,
                           long tokenBudget, boolean processedLogprobs, int prefillChunkTokens, int streamInterval) {
    /** Default queue bound, token budget and prefill chunk. */
    public static final int DEFAULT_MAX_QUEUED_ROWS = 1024;
    public static final long DEFAULT_TOKEN_BUDGET = 1L << 20;
    /**
     * vLLM's smaller default {@code max_num_batched_tokens}. With 512, a burst of 64 chat requests joined over 8 steps
     * in small prefills (~30% slower per token than one large one): 0.69-0.73x of the offline batch's tokens/s
     * against 0.80-0.87x (bench-serve, small, 2 threads); running rows wait for at most one such chunk per step.
     */
    public static final int DEFAULT_PREFILL_CHUNK_TOKENS = 2048;

    public ServeOptions(String host, int port, String servedModelName, int maxBatch, Duration batchWait,
                        Duration fillWait, int defaultMaxTokens, Duration shutdownGrace) {
        this(host, port, servedModelName, maxBatch, batchWait, fillWait, defaultMaxTokens, shutdownGrace,
                DEFAULT_MAX_QUEUED_ROWS, DEFAULT_TOKEN_BUDGET, false, DEFAULT_PREFILL_CHUNK_TOKENS, 1);
    }

    public ServeOptions {
        if (maxQueuedRows < 1) throw new IllegalArgumentException("max queued rows: must be >= 1, got " + maxQueuedRows);
        if (tokenBudget < 1) throw new IllegalArgumentException("token budget: must be >= 1, got " + tokenBudget);
        if (prefillChunkTokens < 1) {
            throw new IllegalArgumentException("prefill chunk tokens: must be >= 1, got " + prefillChunkTokens);
        }
        if (streamInterval < 1) {
            throw new IllegalArgumentException("stream interval: must be >= 1, got " + streamInterval);
        }
        if (host == null || host.isBlank()) throw new IllegalArgumentException("host: required");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port: must be in [0, 65535], got " + port);
        if (servedModelName == null || servedModelName.isBlank()) {
            throw new IllegalArgumentException("served model name: required");
        }
        if (maxBatch < 1) throw new IllegalArgumentException("max batch: must be >= 1, got " + maxBatch);
        if (batchWait.isNegative()) throw new IllegalArgumentException("batch wait: must be >= 0, got " + batchWait);
        if (fillWait.compareTo(batchWait) < 0) {
            throw new IllegalArgumentException("fill wait: must be >= batch wait (" + batchWait + "), got " + fillWait);
        }
        if (defaultMaxTokens < 1) {
            throw new IllegalArgumentException("default max tokens: must be >= 1, got " + defaultMaxTokens);
        }
    }

    /** Loopback, 32 rows, 5 ms batch wait, 250 ms fill wait, 1024 default reply tokens, 30 s grace. */
    public static ServeOptions defaults(String servedModelName, int port) {
        return new ServeOptions("127.0.0.1", port, servedModelName, 32, Duration.ofMillis(5), Duration.ofMillis(250),
                1024, Duration.ofSeconds(30));
    }

    public ServeOptions withMaxBatch(int rows) {
        return new ServeOptions(host, port, servedModelName, rows, batchWait, fillWait, defaultMaxTokens, shutdownGrace,
                maxQueuedRows, tokenBudget, processedLogprobs, prefillChunkTokens, streamInterval);
    }

    /** Sets the queue bound and the per-batch token budget. */
    public ServeOptions withLimits(int queuedRows, long budget) {
        return new ServeOptions(host, port, servedModelName, maxBatch, batchWait, fillWait, defaultMaxTokens,
                shutdownGrace, queuedRows, budget, processedLogprobs, prefillChunkTokens, streamInterval);
    }

    public ServeOptions withProcessedLogprobs(boolean processed) {
        return new ServeOptions(host, port, servedModelName, maxBatch, batchWait, fillWait, defaultMaxTokens,
                shutdownGrace, maxQueuedRows, tokenBudget, processed, prefillChunkTokens, streamInterval);
    }

    /** Sets both waits (the fill wait is raised to the batch wait when below it). */
    public ServeOptions withWaits(Duration batch, Duration fill) {
        return new ServeOptions(host, port, servedModelName, maxBatch, batch, fill.compareTo(batch) < 0 ? batch : fill,
                defaultMaxTokens, shutdownGrace, maxQueuedRows, tokenBudget, processedLogprobs, prefillChunkTokens,
                streamInterval);
    }

    /** Sets the prompt tokens a continuous batch prefills per decode step. */
    public ServeOptions withPrefillChunkTokens(int tokens) {
        return new ServeOptions(host, port, servedModelName, maxBatch, batchWait, fillWait, defaultMaxTokens,
                shutdownGrace, maxQueuedRows, tokenBudget, processedLogprobs, tokens, streamInterval);
    }

    /** Sets the tokens per streamed chunk. */
    public ServeOptions withStreamInterval(int tokens) {
        return new ServeOptions(host, port, servedModelName, maxBatch, batchWait, fillWait, defaultMaxTokens,
                shutdownGrace, maxQueuedRows, tokenBudget, processedLogprobs, prefillChunkTokens, tokens);
    }
}
