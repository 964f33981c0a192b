package rsarl.rollout.serve;

/**
 * A request the server answers with an OpenAI-style error body:
 * {@code {"error": {"message", "type", "param", "code"}}}.
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final long retryAfterSeconds;

    public ApiError(int status, String type, String param, String code, String message) {
        this(status, type, param, code, message, 0);
    }

    /** @param retryAfterSeconds sent as {@code Retry-After} when positive (429, 503) */
    public ApiError(int status, String type, String param, String code, String message, long retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** HTTP 400 for a bad field; the message starts with the field's path. */
    public static ApiError badField(String param, String problem) {
        return new ApiError(400, "invalid_request_error", param, null, param + ": " + problem);
    }

    /** HTTP 400 for a request that is wrong as a whole (not JSON, not an object). */
    public static ApiError badRequest(String message) {
        return new ApiError(400, "invalid_request_error", null, null, message);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }
}
