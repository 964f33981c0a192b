package rsarl.rollout.config;

/** A config file or override that cannot be used; the message names the file and key. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
