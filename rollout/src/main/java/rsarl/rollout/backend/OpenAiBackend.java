package rsarl.rollout.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import rsarl.model.ChatMessage;
import rsarl.model.SamplingParams;
import rsarl.rollout.config.BackendConfig;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend that calls any OpenAI-compatible {@code /v1/chat/completions} server (vLLM, SGLang,
 * hosted APIs) with non-streaming requests, at most {@code maxConcurrency} in flight, retrying 429,
 * 5xx, timeouts and connection errors with exponential backoff.
 */
public final class OpenAiBackend implements Backend {

    /** Connection settings. {@code apiKey} may be null (no Authorization header). */
    public record Options(String baseUrl, String model, String apiKey, int maxConcurrency, Duration timeout,
                          int maxRetries, Duration backoff) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

    private final Options options;
    private final URI endpoint;
    private final HttpClient client;
    private final ExecutorService workers;
    private final AtomicInteger attempts = new AtomicInteger();
    /** Where each retry is reported as it happens (a silent progress bar for a minute helps nobody). */
    private volatile java.io.PrintStream retries = System.err;

    public OpenAiBackend(Options options) {
        this.options = options;
        this.endpoint = endpoint(options.baseUrl());
        // HTTP/1.1: inference servers (uvicorn) do not speak h2c, and the upgrade probe costs a round trip.
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(options.timeout())
                .build();
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(options.maxConcurrency(), r -> {
            Thread t = new Thread(r, "openai-backend-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Reports retries to {@code out} instead of stderr; returns this backend. */
    public OpenAiBackend reportRetriesTo(java.io.PrintStream out) {
        this.retries = out;
        return this;
    }

    /** Builds the backend from a config section; reads the API key from the variable it names. */
    public static OpenAiBackend fromConfig(BackendConfig config) {
        String key = null;
        if (config.apiKeyEnv() != null && !config.apiKeyEnv().isBlank()) {
            key = System.getenv(config.apiKeyEnv());
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("backend.api_key_env: environment variable "
                        + config.apiKeyEnv() + " is not set");
            }
        }
        return new OpenAiBackend(new Options(config.baseUrl(), config.model(), key, config.maxConcurrency(),
                Duration.ofMillis(Math.round(config.timeoutS() * 1000)), config.maxRetries(),
                Duration.ofMillis(Math.round(config.backoffS() * 1000))));
    }

    /** {@code http://h:8000/v1} and {@code http://h:8000} both lead to {@code .../v1/chat/completions}. */
    static URI endpoint(String baseUrl) {
        String base = baseUrl.strip();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        String url;
        if (base.endsWith("/chat/completions")) {
            url = base;
        } else if (base.endsWith("/v1")) {
            url = base + "/chat/completions";
        } else {
            url = base + "/v1/chat/completions";
        }
        try {
            URI uri = URI.create(url);
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
                throw new IllegalArgumentException("not an http(s) address");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("backend.base_url: '" + baseUrl + "' is not a valid http(s) URL", e);
        }
    }

    @Override
    public String describe() {
        return "openai " + endpoint + " (model " + options.model() + ")";
    }

    /** HTTP attempts made so far (first tries and retries), for tests and benchmarks. */
    public int attempts() {
        return attempts.get();
    }

    @Override
    public List<BackendResult> generate(List<ChatRequest> requests, ResultListener listener) {
        List<BackendResult> results = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            results.add(null);
        }
        ExecutorCompletionService<Integer> done = new ExecutorCompletionService<>(workers);
        List<Future<Integer>> futures = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            int index = i;
            futures.add(done.submit(() -> {
                BackendResult r = call(requests.get(index));
                synchronized (results) {
                    results.set(index, r);
                }
                listener.onResult(index, r);
                return index;
            }));
        }
        try {
            for (int i = 0; i < requests.size(); i++) {
                done.take().get();
            }
        } catch (ExecutionException e) {
            futures.forEach(f -> f.cancel(true));
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new BackendException(describe() + ": " + cause, cause);
        } catch (InterruptedException | CancellationException e) {
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new BackendException(describe() + ": interrupted", e);
        }
        return results;
    }

    private BackendResult call(ChatRequest request) throws InterruptedException {
        byte[] body = requestBody(request);
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint)
                .timeout(options.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (options.apiKey() != null) {
            builder.header("Authorization", "Bearer " + options.apiKey());
        }
        HttpRequest http = builder.build();
        String lastProblem = null;
        int tries = options.maxRetries() + 1;
        for (int attempt = 1; attempt <= tries; attempt++) {
            Duration retryAfter = null;
            attempts.incrementAndGet();
            try {
                HttpResponse<String> response = client.send(http, HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status == 200) {
                    return parse(response.body());
                }
                lastProblem = "HTTP " + status + ": " + snippet(response.body());
                if (status != 429 && status < 500) {
                    throw new BackendException(describe() + ": " + lastProblem + " (not retried)");
                }
                retryAfter = retryAfter(response);
            } catch (IOException e) {
                // Timeouts and refused/reset connections are transient on a busy server.
                lastProblem = describe(e) + (e instanceof java.net.ConnectException
                        ? " (nothing answers at " + endpoint.getHost() + ":" + port(endpoint) + ")" : "");
            }
            if (attempt < tries) {
                long wait = backoff(attempt, retryAfter).toMillis();
                java.io.PrintStream out = retries;
                synchronized (out) {
                    out.println(describe() + ": " + lastProblem + "; retrying in " + seconds(wait) + " s (retry " + attempt
                            + " of " + options.maxRetries() + ")");
                    out.flush();
                }
                Thread.sleep(wait);
            }
        }
        throw new BackendException(describe() + ": request failed after " + tries + " attempts; last: " + lastProblem);
    }

    private static String seconds(long ms) {
        return ms % 1000 == 0 || ms >= 10_000 ? Long.toString(Math.round(ms / 1000.0))
                : String.format(java.util.Locale.ROOT, "%.1f", ms / 1000.0);
    }

    private Duration backoff(int attempt, Duration retryAfter) {
        long base = options.backoff().toMillis() << Math.min(attempt - 1, 20);
        long capped = Math.min(base, MAX_BACKOFF.toMillis());
        // Jitter in [capped/2, capped] spreads retries of a whole batch that failed together.
        long wait = capped / 2 + (capped > 1 ? ThreadLocalRandom.current().nextLong(capped / 2 + 1) : 0);
        if (retryAfter != null) {
            wait = Math.max(wait, Math.min(retryAfter.toMillis(), MAX_BACKOFF.toMillis()));
        }
        return Duration.ofMillis(wait);
    }

    private static Duration retryAfter(HttpResponse<?> response) {
        Optional<String> value = response.headers().firstValue("Retry-After");
        if (value.isEmpty()) {
            return null;
        }
        try {
            return Duration.ofMillis(Math.round(Double.parseDouble(value.get().trim()) * 1000));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    byte[] requestBody(ChatRequest request) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", options.model());
        ArrayNode messages = root.putArray("messages");
        for (ChatMessage m : request.messages()) {
            messages.addObject().put("role", m.role()).put("content", m.content());
        }
        SamplingParams p = request.params();
        root.put("temperature", p.temperature());
        root.put("top_p", p.topP());
        root.put("max_tokens", p.maxNewTokens());
        root.put("seed", request.seed());
        root.put("n", 1);
        root.put("stream", false);
        // top_k and min_p are vLLM/SGLang extensions: sent only when set, so hosted APIs still accept the body.
        if (p.topK() > 0) {
            root.put("top_k", p.topK());
        }
        if (p.minP() > 0) {
            root.put("min_p", p.minP());
        }
        if (!p.stopStrings().isEmpty()) {
            ArrayNode stop = root.putArray("stop");
            p.stopStrings().forEach(stop::add);
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private BackendResult parse(String body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new BackendException(describe() + ": reply is not JSON: " + snippet(body));
        }
        JsonNode choice = root == null ? null : root.path("choices").path(0);
        JsonNode message = choice == null ? null : choice.get("message");
        if (message == null || !message.isObject()) {
            throw new BackendException(describe() + ": reply has no choices[0].message: " + snippet(body));
        }
        JsonNode content = message.get("content");
        String text = content == null || content.isNull() ? "" : content.asText();
        // Servers run with a reasoning parser move the thinking out of `content`; RSA shows candidates in
        // full, so it goes back in, in the model's own <think> form.
        String reasoning = firstText(message, "reasoning_content", "reasoning");
        if (reasoning != null) {
            text = "<think>\n" + reasoning + "\n</think>\n\n" + text;
        }
        String finish = choice.path("finish_reason").asText("stop");
        JsonNode usage = root.path("usage");
        int promptTokens = usage.path("prompt_tokens").isIntegralNumber() ? usage.get("prompt_tokens").asInt() : -1;
        int completionTokens = usage.path("completion_tokens").isIntegralNumber()
                ? usage.get("completion_tokens").asInt() : -1;
        return new BackendResult(text, promptTokens, completionTokens, finish);
    }

    /** The URL's port, or the scheme's default. */
    static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /** The exception and its first cause with a message (the JDK client's ConnectException has none itself). */
    private static String describe(IOException e) {
        StringBuilder sb = new StringBuilder(e.getClass().getSimpleName());
        Throwable t = e;
        while (t != null && t.getMessage() == null) {
            t = t.getCause();
        }
        if (t != null) {
            sb.append(": ").append(t.getMessage());
        } else if (e instanceof java.net.ConnectException) {
            sb.append(": cannot connect (is the server up?)");
        }
        return sb.toString();
    }

    private static String firstText(JsonNode node, String... keys) {
        for (String key : keys) {
            JsonNode v = node.get(key);
            if (v != null && v.isTextual() && !v.asText().isBlank()) {
                return v.asText();
            }
        }
        return null;
    }

    private static String snippet(String body) {
        if (body == null) {
            return "";
        }
        String flat = body.replaceAll("\\s+", " ").strip();
        return flat.length() > 300 ? flat.substring(0, 300) + "..." : flat;
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
