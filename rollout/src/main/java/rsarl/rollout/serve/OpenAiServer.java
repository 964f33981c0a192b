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
import java.time.Duration;
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
 * {@link BatchScheduler} (so concurrent requests decode in one batch), wait, then detokenize and reply.
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
        this.sglangGenerate = new GenerateRoute(engine, models, this::generate);
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
                reply = route(ex.getRequestMethod(), path, body);
            } catch (ApiError e) {
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

    private JsonNode route(String method, String path, byte[] body) {
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
                return chat(ApiRequest.chat(root, engine, options), s);
            }
            case "/v1/completions" -> {
                requireMethod(method, "POST");
                JsonNode root = parse(body);
                IgnoredFields.warn(root, false, path, System.err);
                BatchScheduler s = models.scheduler(JsonFields.string(root, "model"));
                return completion(ApiRequest.completion(root, engine, options), s,
                        Boolean.TRUE.equals(JsonFields.bool(root, "return_token_ids")));
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

    /** Runs every row through the scheduler and waits; the texts come back in row order. */
    private List<TextCompletion> generate(ApiRequest request, BatchScheduler scheduler) {
        List<GenerationRequest> rows;
        try {
            rows = request.rows(engine);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        List<CompletableFuture<Completion>> futures;
        try {
            futures = scheduler.submit(rows);
        } catch (RejectedExecutionException e) {
            throw new ApiError(503, "server_error", null, null, e.getMessage());
        }
        List<TextCompletion> out = new ArrayList<>(rows.size());
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
            out.add(engine.text(rows.get(i), c));
        }
        return out;
    }

    private ObjectNode chat(ApiRequest request, BatchScheduler scheduler) {
        List<TextCompletion> done = generate(request, scheduler);
        ObjectNode root = head("chatcmpl-", "chat.completion");
        ArrayNode choices = root.putArray("choices");
        for (int i = 0; i < done.size(); i++) {
            TextCompletion t = done.get(i);
            ObjectNode choice = choices.addObject().put("index", i);
            choice.putObject("message").put("role", "assistant").put("content", t.text());
            if (request.logprobs()) {
                ArrayNode content = choice.putObject("logprobs").putArray("content");
                for (int k = 0; k < t.tokenIds().length; k++) {
                    String token = engine.tokenText(t.tokenIds()[k]);
                    ObjectNode entry = content.addObject().put("token", token).put("logprob", t.logprobs()[k]);
                    ArrayNode bytes = entry.putArray("bytes");
                    for (byte b : token.getBytes(StandardCharsets.UTF_8)) bytes.add(b & 0xff);
                    entry.putArray("top_logprobs");
                }
            } else {
                choice.putNull("logprobs");
            }
            choice.put("finish_reason", t.finishReason());
        }
        usage(root, done, request);
        return root;
    }

    private ObjectNode completion(ApiRequest request, BatchScheduler scheduler, boolean returnTokenIds) {
        List<TextCompletion> done = generate(request, scheduler);
        ObjectNode root = head("cmpl-", "text_completion");
        ArrayNode choices = root.putArray("choices");
        for (int i = 0; i < done.size(); i++) {
            TextCompletion t = done.get(i);
            ObjectNode choice = choices.addObject().put("index", i).put("text", t.text());
            if (request.logprobs()) {
                ObjectNode lp = choice.putObject("logprobs");
                ArrayNode tokens = lp.putArray("tokens");
                ArrayNode values = lp.putArray("token_logprobs");
                ArrayNode offsets = lp.putArray("text_offset");
                int offset = 0;
                for (int k = 0; k < t.tokenIds().length; k++) {
                    String token = engine.tokenText(t.tokenIds()[k]);
                    tokens.add(token);
                    values.add(t.logprobs()[k]);
                    offsets.add(offset);
                    offset += token.length();
                }
                lp.putNull("top_logprobs");
            } else {
                choice.putNull("logprobs");
            }
            choice.put("finish_reason", t.finishReason());
            if (returnTokenIds) {
                // vLLM's return_token_ids: the prompt's and the completion's ids, as the trainer puts them in the loss.
                ArrayNode p = choice.putArray("prompt_token_ids");
                for (int id : request.prompts().get(i / request.n())) p.add(id);
                ArrayNode c = choice.putArray("token_ids");
                for (int id : t.tokenIds()) c.add(id);
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
    private static void usage(ObjectNode root, List<TextCompletion> done, ApiRequest request) {
        long prompt = 0;
        for (int[] p : request.prompts()) prompt += p.length;
        long completion = 0;
        for (TextCompletion t : done) completion += t.completionTokens();
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
