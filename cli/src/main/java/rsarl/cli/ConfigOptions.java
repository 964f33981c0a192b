package rsarl.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import rsarl.rollout.config.ConfigKeys;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code --config FILE.yaml [--set key.path=value ...]} pair shared by the config-driven commands, and
 * {@code --print-config}, which prints the command's key reference ({@link ConfigKeys}) instead of running.
 */
final class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE.yaml", description = "YAML config file (required)")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "override a config key with a YAML value, e.g. seed=7 (repeatable; --print-config lists"
                    + " the keys)")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--print-config", description = "print every config key with its default and meaning, and exit")
    boolean printConfig;

    /**
     * The config file to run; with {@code --print-config} prints the key reference {@code resource} (next to
     * {@code owner}) and returns null.
     */
    Path configOrPrint(CommandSpec spec, Class<?> owner, String resource) {
        if (printConfig) {
            spec.commandLine().getOut().print(ConfigKeys.text(owner, resource));
            spec.commandLine().getOut().flush();
            return null;
        }
        if (config == null) {
            throw new ParameterException(spec.commandLine(), "Missing required option: '--config=FILE.yaml'");
        }
        return config;
    }
}
