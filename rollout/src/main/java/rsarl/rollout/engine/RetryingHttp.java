package rsarl.rollout.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * JSON over HTTP to a rollout server (vLLM, SGLang, {@code rsa serve}) for a training run: 5xx, 429, timeouts and
 * dropped or refused connections are retried with exponential backoff (1, 2, 4, ... s, at most 30 s, or the server's
 * {@code Retry-After}), each retry announced on the log, until {@code maxRetryWait} of waiting is spent; then one
 * {@link IOException} whose message names the URL and says that a rerun resumes. Other 4xx replies fail at once.
 */
public final class RetryingHttp {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_BACKOFF_MS = 30_000;

    /** Thrown for a reply that is not worth retrying (4xx other than 429, or a malformed body). */
    public static final class Refused extends IOException {
        private final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final HttpClient client;
    private final Duration requestTimeout;
    private final Duration maxRetryWait;
    private final String bearer;
    private final PrintStream log;

    /** @param bearer token for {@code Authorization: Bearer}, or null */
    public RetryingHttp(Duration requestTimeout, Duration maxRetryWait, String bearer, PrintStream log) {
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(Math.min(30, Math.max(1, requestTimeout.toSeconds())))).build();
        this.requestTimeout = requestTimeout;
        this.maxRetryWait = maxRetryWait;
        this.bearer = bearer;
        this.log = log;
    }

    /** POSTs {@code body} as JSON and returns the parsed reply (null for an empty or non-JSON 200 body). */
    public JsonNode post(String url, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        return send(url, HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                .header("Content-Type", "application/json"));
    }

    public JsonNode get(String url) throws IOException {
        return send(url, HttpRequest.newBuilder(URI.create(url)).GET());
    }

    private JsonNode send(String url, HttpRequest.Builder builder) throws IOException {
        builder.timeout(requestTimeout);
        if (bearer != null) builder.header("Authorization", "Bearer " + bearer);
        HttpRequest request = builder.build();
        long waitedMs = 0;
        long started = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            String problem;
            Long retryAfterMs = null;
            try {
                HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
                int status = r.statusCode();
                if (status / 100 == 2) return parse(r.body());
                problem = "HTTP " + status + " " + snippet(r.body());
                if (status != 429 && status < 500) {
                    throw new Refused(status, "rollout server " + url + " answered " + problem);
                }
                retryAfterMs = retryAfter(r);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("rollout server " + url + ": interrupted", e);
            } catch (Refused e) {
                throw e;
            } catch (IOException e) {
                problem = describe(e) + (e instanceof java.net.ConnectException ? " (nothing answers at "
                        + request.uri().getHost() + ":" + request.uri().getPort() + ")" : "");
            }
            long backoff = Math.min(MAX_BACKOFF_MS, 1000L << Math.min(attempt - 1, 20));
            if (retryAfterMs != null) backoff = Math.max(backoff, Math.min(retryAfterMs, MAX_BACKOFF_MS));
            backoff = Math.min(backoff, maxRetryWait.toMillis() - waitedMs);
            if (backoff <= 0) {
                throw new IOException(String.format(Locale.ROOT, "rollout server %s failed after %d attempts over "
                        + "%.0f s (rollout.max_retry_wait_s = %d): %s; rerun the same command to resume from the "
                        + "last checkpoint", url, attempt, (System.nanoTime() - started) / 1e9,
                        maxRetryWait.toSeconds(), problem));
            }
            log.println(String.format(Locale.ROOT, "rollout server %s: %s; retrying in %.0f s (attempt %d; %.0f s "
                    + "of rollout.max_retry_wait_s = %d left)", url, problem, backoff / 1000.0, attempt + 1,
                    (maxRetryWait.toMillis() - waitedMs) / 1000.0, maxRetryWait.toSeconds()));
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("rollout server " + url + ": interrupted while waiting to retry", e);
            }
            waitedMs += backoff;
        }
    }

    private static JsonNode parse(String body) throws IOException {
        if (body == null || body.isBlank()) return null;
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null; // vLLM answers the adapter endpoints with plain text
        }
    }

    private static Long retryAfter(HttpResponse<?> r) {
        Optional<String> v = r.headers().firstValue("Retry-After");
        if (v.isEmpty()) return null;
        try {
            return Math.round(Double.parseDouble(v.get().trim()) * 1000);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The exception and its first cause with a message (the JDK client's ConnectException has none itself). */
    static String describe(IOException e) {
        Throwable t = e;
        while (t != null && t.getMessage() == null) t = t.getCause();
        String what = e instanceof java.net.ConnectException ? "cannot connect (is the server up?)"
                : e instanceof java.net.http.HttpTimeoutException ? "timed out" : e.getClass().getSimpleName();
        return t == null ? what : what + ": " + t.getMessage();
    }

    static String snippet(String body) {
        if (body == null) return "";
        String flat = body.replaceAll("\\s+", " ").strip();
        return flat.length() > 200 ? flat.substring(0, 200) + "..." : flat;
    }
}
