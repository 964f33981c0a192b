package rsarl.rollout.config;

/** Validation helpers for config records; messages start with the key, as {@link ConfigLoader} expects. */
final class Check {
    private Check() {
    }

    static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }

    static void atLeast(String key, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(key + ": must be >= " + min + ", got " + value);
        }
    }

    static void required(String key, Object value) {
        if (value == null || (value instanceof String s && s.isBlank())) {
            throw new IllegalArgumentException(key + ": required");
        }
    }
}
