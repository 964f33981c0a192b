package rsarl.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The {@code --config FILE.yaml [--set key.path=value ...]} pair shared by the config-driven commands. */
final class ConfigOptions {
    @Option(names = "--config", required = true, paramLabel = "FILE.yaml", description = "YAML config file")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "override a config key with a YAML value, e.g. seed=7 (repeatable; --print-config lists"
                    + " the keys)")
    List<String> overrides = new ArrayList<>();
}
