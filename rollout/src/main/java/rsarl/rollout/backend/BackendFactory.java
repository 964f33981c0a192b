package rsarl.rollout.backend;

import rsarl.rollout.config.BackendConfig;

/** Opens the backend a config section asks for; the CLI registers one per backend type. */
@FunctionalInterface
public interface BackendFactory {
    Backend open(BackendConfig config);

    /** The factory for the backends built into this module (openai, local); other types fail with a clear error. */
    static BackendFactory builtIn() {
        return config -> switch (config.type()) {
            case "openai" -> OpenAiBackend.fromConfig(config);
            case "local" -> LocalBackend.fromConfig(config);
            default -> throw new IllegalArgumentException("backend.type: '" + config.type()
                    + "' is not available in this build (available: openai, local)");
        };
    }
}
