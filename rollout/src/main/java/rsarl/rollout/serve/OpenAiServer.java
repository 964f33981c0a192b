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
import rsarl.model.OpenMpTeam;
import rsarl.rollout.backend.LocalEngine;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
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
    private final ReplyJson replies;
    private final long created = System.currentTimeMillis() / 1000;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean closing;
    private boolean closed;

    private OpenAiServer(LocalEngine engine, ServeOptions options, HttpServer http) {
        this.engine = engine;
        this.options = options;
        this.http = http;
        this.models = new ServedModels(engine, options);
        this.replies = new ReplyJson(engine);
        this.scheduler = models.baseScheduler();
        this.weights = new WeightRoutes(models, OpenAiServer::parse);
        this.sglangGenerate = new GenerateRoute(engine, models,
                (request, s) -> generate(request, s).stream().map(ReplyJson.Finished::text).toList());
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
        // The scheduler threads decode from now on: the caller's OpenMP workers (from loading) would make theirs
        // sleep between ops (OpenMpTeam).
        OpenMpTeam.release();
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
            OpenMpTeam.release(); // after torch work here (echo scoring, weight loads): see OpenMpTeam
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
                : head("cmpl-", "text_completion"), chat, request, engine, rows, options.streamInterval());
        s.run(submit(scheduler, rows, s.listeners()));
        return null;
    }

    /** Runs every row through the scheduler and waits; the texts come back in row order. */
    private List<ReplyJson.Finished> generate(ApiRequest request, BatchScheduler scheduler) {
        List<GenerationRequest> rows = rows(request);
        List<ReplyJson.Finished> out = new ArrayList<>(rows.size());
        if (request.scoreOnly()) {
            for (GenerationRequest r : rows) {
                Completion none = new Completion(new int[0], new float[0], "length");
                out.add(new ReplyJson.Finished(r, engine.text(r, none), none));
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
            out.add(new ReplyJson.Finished(rows.get(i), engine.text(rows.get(i), c), c));
        }
        return out;
    }

    private ObjectNode chat(ApiRequest request, BatchScheduler scheduler) {
        return replies.chat(head("chatcmpl-", "chat.completion"), generate(request, scheduler), request);
    }

    private ObjectNode completion(ApiRequest request, BatchScheduler scheduler, boolean returnTokenIds) {
        return replies.completion(head("cmpl-", "text_completion"), generate(request, scheduler), request,
                returnTokenIds);
    }

    private ObjectNode head(String idPrefix, String object) {
        return JSON.createObjectNode()
                .put("id", idPrefix + UUID.randomUUID().toString().replace("-", ""))
                .put("object", object)
                .put("created", System.currentTimeMillis() / 1000)
                .put("model", options.servedModelName());
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
