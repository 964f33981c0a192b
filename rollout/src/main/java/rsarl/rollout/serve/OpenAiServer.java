package rsarl.rollout.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.rollout.backend.LocalEngine;
import rsarl.rollout.backend.TextCompletion;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-compatible HTTP server over one local model: {@code /v1/chat/completions}, {@code /v1/completions},
 * {@code /v1/models} and {@code /health}. Handler threads parse and tokenize, hand their rows to a
 * {@link BatchScheduler} (continuous batching: concurrent requests decode in one batch, joining and leaving it
 * between steps), wait (or stream), then detokenize and reply.
 */
public final class OpenAiServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_BYTES = 32 << 20;

    private final LocalEngine engine;
    private final ServeOptions options;
    private final HttpServer http;
    private final ExecutorService handlers;
    private final BatchScheduler scheduler;
    private final ServedModels models;
    private final WeightRoutes weights;
    private final GenerateRoute sglangGenerate;
    private final long created = System.currentTimeMillis() / 1000;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean closing;
    private boolean closed;

    private OpenAiServer(LocalEngine engine, ServeOptions options, HttpServer http) {
        this.engine = engine;
        this.options = options;
        this.http = http;
        this.models = new ServedModels(engine, options);
        this.scheduler = models.baseScheduler();
        this.weights = new WeightRoutes(models, OpenAiServer::parse);
        this.sglangGenerate = new GenerateRoute(engine, models,
                (request, s) -> generate(request, s).stream().map(Finished::text).toList());
        // Each waiting request holds a handler thread: enough of them to fill several batches.
        int threads = Math.max(16, 4 * options.maxBatch());
        AtomicInteger n = new AtomicInteger();
        this.handlers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "serve-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(handlers);
        http.createContext("/", this::handle);
    }

    /** Binds and starts serving; the engine stays the caller's to close (after this server). */
    public static OpenAiServer start(LocalEngine engine, ServeOptions options) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 1024);
        OpenAiServer server = new OpenAiServer(engine, options, http);
        http.start();
        return server;
    }

    /** The bound port (the chosen one when started on port 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    /** {@code http://HOST:PORT/v1}. */
    public String baseUrl() {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return "http://" + host + ":" + port() + "/v1";
    }

    public String modelName() {
        return options.servedModelName();
    }

    public BatchScheduler scheduler() {
        return scheduler;
    }

    /** The base model and the LoRA adapters loaded at run time. */
    public ServedModels models() {
        return models;
    }

    private void handle(HttpExchange ex) throws IOException {
        inFlight.incrementAndGet();
        try {
            String path = ex.getRequestURI().getPath();
            while (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
            byte[] body = ex.getRequestBody().readNBytes(MAX_BODY_BYTES + 1);
            JsonNode reply;
            try {
                if (closing) throw new ApiError(503, "server_error", null, null, "the server is shutting down");
                reply = route(ex, ex.getRequestMethod(), path, body);
                if (reply == null) return; // streamed
            } catch (ApiError e) {
                if (e.retryAfterSeconds() > 0) {
                    ex.getResponseHeaders().set("Retry-After", Long.toString(e.retryAfterSeconds()));
                }
                send(ex, e.status(), error(e));
                return;
            } catch (RuntimeException e) {
                send(ex, 500, error(new ApiError(500, "server_error", null, null, "internal error: " + e)));
                return;
            }
            send(ex, 200, reply);
        } finally {
            ex.close();
            inFlight.decrementAndGet();
        }
    }

    /** The reply to send, or null when the answer was streamed. */
    private JsonNode route(HttpExchange ex, String method, String path, byte[] body) throws IOException {
        switch (path) {
            case "/health" -> {
                requireMethod(method, "GET");
                return JSON.createObjectNode().put("status", "ok");
            }
            case "/v1/models" -> {
                requireMethod(method, "GET");
                ObjectNode list = JSON.createObjectNode().put("object", "list");
                ArrayNode data = list.putArray("data").add(modelObject());
                models.adapters().forEach((name, dir) -> data.addObject().put("id", name).put("object", "model")
                        .put("created", created).put("owned_by", "rsa-rl").put("root", dir.toString())
                        .put("parent", options.servedModelName()));
                return list;
            }
            case "/v1/chat/completions" -> {
                requireMethod(method, "POST");
                JsonNode root = parse(body);
                IgnoredFields.warn(root, true, path, System.err);
                BatchScheduler s = models.scheduler(JsonFields.string(root, "model"));
                ApiRequest request = ApiRequest.chat(root, engine, options);
                return request.output().stream() ? stream(ex, request, s, true) : chat(request, s);
            }
            case "/v1/completions" -> {
                requireMethod(method, "POST");
                JsonNode root = parse(body);
                IgnoredFields.warn(root, false, path, System.err);
                BatchScheduler s = models.scheduler(JsonFields.string(root, "model"));
                ApiRequest request = ApiRequest.completion(root, engine, options);
                return request.output().stream() ? stream(ex, request, s, false)
                        : completion(request, s, Boolean.TRUE.equals(JsonFields.bool(root, "return_token_ids")));
            }
            default -> {
                if (path.equals("/v1/models/" + options.servedModelName())) {
                    requireMethod(method, "GET");
                    return modelObject();
                }
                ObjectNode admin = weights.route(method, path, body);
                if (admin != null) return admin;
                if (path.equals("/generate")) {
                    requireMethod(method, "POST");
                    return sglangGenerate.handle(parse(body)); // SGLang's native route, for rollouts with token ids
                }
                throw new ApiError(404, "invalid_request_error", null, "not_found", "no route " + method + " " + path);
            }
        }
    }

    private static void requireMethod(String method, String expected) {
        if (!method.equals(expected)) {
            throw new ApiError(405, "invalid_request_error", null, "method_not_allowed",
                    "method " + method + " is not allowed here (use " + expected + ")");
        }
    }

    static JsonNode parse(byte[] body) {
        if (body.length > MAX_BODY_BYTES) {
            throw new ApiError(413, "invalid_request_error", null, null, "request body over " + MAX_BODY_BYTES + " bytes");
        }
        try {
            JsonNode root = JSON.readTree(body);
            if (root == null || !root.isObject()) throw ApiError.badRequest("the request body must be a JSON object");
            return root;
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("the request body is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ")"));
        } catch (IOException e) {
            throw ApiError.badRequest("cannot read the request body: " + e.getMessage());
        }
    }

    /** One choice: its row, the OpenAI-style text and the generator's completion (for top log-probs). */
    private record Finished(GenerationRequest row, TextCompletion text, Completion raw) {
    }

    private List<GenerationRequest> rows(ApiRequest request) {
        try {
            return request.rows(engine);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
    }

    /** Queues the rows: 429 with Retry-After when the queue is full, 400 past the token budget, 503 closing. */
    private static List<CompletableFuture<Completion>> submit(BatchScheduler scheduler, List<GenerationRequest> rows,
                                                       List<rsarl.model.Generator.TokenListener> listeners) {
        try {
            return scheduler.submit(rows, listeners);
        } catch (QueueFullException e) {
            throw new ApiError(429, "rate_limit_error", null, "queue_full", e.getMessage(), e.retryAfterSeconds());
        } catch (RejectedExecutionException e) {
            throw new ApiError(503, "server_error", null, null, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiError.badField("max_tokens", e.getMessage());
        }
    }

    private ObjectNode stream(HttpExchange ex, ApiRequest request, BatchScheduler scheduler, boolean chat)
            throws IOException {
        if (request.scoreOnly()) throw ApiError.badField("stream", "not supported with max_tokens 0");
        if (request.output().echo()) throw ApiError.badField("echo", "not supported with stream");
        List<GenerationRequest> rows = rows(request);
        SseStream s = new SseStream(ex, JSON, chat ? head("chatcmpl-", "chat.completion.chunk")
                : head("cmpl-", "text_completion"), chat, request, engine, rows);
        s.run(submit(scheduler, rows, s.listeners()));
        return null;
    }

    /** Runs every row through the scheduler and waits; the texts come back in row order. */
    private List<Finished> generate(ApiRequest request, BatchScheduler scheduler) {
        List<GenerationRequest> rows = rows(request);
        List<Finished> out = new ArrayList<>(rows.size());
        if (request.scoreOnly()) {
            for (GenerationRequest r : rows) {
                Completion none = new Completion(new int[0], new float[0], "length");
                out.add(new Finished(r, engine.text(r, none), none));
            }
            return out;
        }
        List<CompletableFuture<Completion>> futures = submit(scheduler, rows, null);
        for (int i = 0; i < rows.size(); i++) {
            Completion c;
            try {
                c = futures.get(i).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiError(503, "server_error", null, null, "interrupted while generating");
            } catch (ExecutionException | CompletionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RejectedExecutionException) {
                    throw new ApiError(503, "server_error", null, null, cause.getMessage());
                }
                throw new ApiError(500, "server_error", null, null, "generation failed: " + cause);
            }
            out.add(new Finished(rows.get(i), engine.text(rows.get(i), c), c));
        }
        return out;
    }

    private ObjectNode chat(ApiRequest request, BatchScheduler scheduler) {
        List<Finished> done = generate(request, scheduler);
        ObjectNode root = head("chatcmpl-", "chat.completion");
        ArrayNode choices = root.putArray("choices");
        for (int i = 0; i < done.size(); i++) {
            TextCompletion t = done.get(i).text();
            Completion c = done.get(i).raw();
            ObjectNode choice = choices.addObject().put("index", i);
            choice.putObject("message").put("role", "assistant").put("content", t.text());
            if (request.logprobs()) {
                LogprobsJson.chat(choice.putObject("logprobs").putArray("content"), engine, t.tokenIds(),
                        t.logprobs(), c.topIds(), c.topLogprobs(), 0, t.tokenIds().length);
            } else {
                choice.putNull("logprobs");
            }
            choice.put("finish_reason", t.finishReason());
        }
        usage(root, done, request);
        return root;
    }

    private ObjectNode completion(ApiRequest request, BatchScheduler scheduler, boolean returnTokenIds) {
        List<Finished> done = generate(request, scheduler);
        ObjectNode root = head("cmpl-", "text_completion");
        ArrayNode choices = root.putArray("choices");
        int top = request.output().topLogprobs();
        for (int i = 0; i < done.size(); i++) {
            TextCompletion t = done.get(i).text();
            Completion c = done.get(i).raw();
            int[] prompt = done.get(i).row().promptIds();
            String echoed = request.output().echo() ? engine.tokenizer().decode(prompt, false) : "";
            ObjectNode choice = choices.addObject().put("index", i).put("text", echoed + t.text());
            if (request.logprobs()) {
                ObjectNode lp = LogprobsJson.legacy(choice.putObject("logprobs"));
                int offset = 0;
                if (request.output().echo()) {
                    // the prompt's own tokens first; the first has no log-prob (null), as OpenAI reports it
                    rsarl.model.PromptLogprobs scored = engine.scorePrompt(prompt, top);
                    float[] lps = new float[prompt.length];
                    int[][] topIds = new int[prompt.length][];
                    float[][] topLps = new float[prompt.length][];
                    lps[0] = Float.NaN;
                    for (int k = 1; k < prompt.length; k++) {
                        lps[k] = scored.logprobs()[k - 1];
                        topIds[k] = scored.topIds()[k - 1];
                        topLps[k] = scored.topLogprobs()[k - 1];
                    }
                    offset = LogprobsJson.appendLegacy(lp, engine, prompt, lps, topIds, topLps, top, 0);
                }
                LogprobsJson.appendLegacy(lp, engine, t.tokenIds(), t.logprobs(), c.topIds(), c.topLogprobs(), top,
                        offset);
            } else {
                choice.putNull("logprobs");
            }
            choice.put("finish_reason", t.finishReason());
            if (returnTokenIds) {
                // vLLM's return_token_ids: the prompt's and the completion's ids, as the trainer puts them in the loss.
                ArrayNode p = choice.putArray("prompt_token_ids");
                for (int id : request.prompts().get(i / request.n())) p.add(id);
                ArrayNode c2 = choice.putArray("token_ids");
                for (int id : t.tokenIds()) c2.add(id);
            }
        }
        usage(root, done, request);
        return root;
    }

    private ObjectNode head(String idPrefix, String object) {
        return JSON.createObjectNode()
                .put("id", idPrefix + UUID.randomUUID().toString().replace("-", ""))
                .put("object", object)
                .put("created", System.currentTimeMillis() / 1000)
                .put("model", options.servedModelName());
    }

    /** OpenAI counts each prompt once however many choices it has; completion tokens add up over choices. */
    private static void usage(ObjectNode root, List<Finished> done, ApiRequest request) {
        long prompt = 0;
        for (int[] p : request.prompts()) prompt += p.length;
        long completion = 0;
        for (Finished t : done) completion += t.text().completionTokens();
        root.putObject("usage").put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }

    private ObjectNode modelObject() {
        return JSON.createObjectNode().put("id", options.servedModelName()).put("object", "model")
                .put("created", created).put("owned_by", "rsa-rl").put("root", engine.dir().toString());
    }

    private static ObjectNode error(ApiError e) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode err = root.putObject("error").put("message", e.getMessage()).put("type", e.type());
        if (e.param() == null) err.putNull("param"); else err.put("param", e.param());
        if (e.code() == null) err.putNull("code"); else err.put("code", e.code());
        return root;
    }

    private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /**
     * Graceful stop: new requests get 503, requests in flight finish (up to the grace period), then the
     * listener, the scheduler and the handler threads stop. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        closing = true;
        long deadline = System.nanoTime() + options.shutdownGrace().toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        http.stop(0);
        models.close();
        handlers.shutdown();
        try {
            handlers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
