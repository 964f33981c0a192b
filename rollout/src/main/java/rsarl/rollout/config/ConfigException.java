package rsarl.rollout.config;

/**
 * A config file or override that cannot be used; the message names the file and key. An
 * {@link IllegalArgumentException}, so callers that reject bad input generically need not know it.
 */
public final class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
