package rsarl.rollout.config;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.List;

/**
 * A command's config as given, before binding: the file's tree with other key names put in their canonical place
 * ({@link ConfigAliases}) and the {@code --set} overrides applied, and the collector of its problems, which names
 * the file or the assignment as typed.
 */
public record ConfigInput(ObjectNode tree, ConfigErrors errors, List<String> overrides) {

    /** Reads {@code file}, renames the {@code aliases} (warnings on stderr) and applies the overrides. */
    public static ConfigInput read(Path file, List<String> overrides, List<ConfigAliases.Alias> aliases) {
        ObjectNode tree = ConfigLoader.read(file);
        List<String> typed = overrides == null ? List.of() : overrides;
        ConfigAliases.Renamed renamed = ConfigAliases.apply(tree, typed, aliases, file.toString(), System.err);
        ConfigErrors errors = new ConfigErrors(file.toString(), renamed.overrides(), typed);
        renamed.problems().forEach(p -> errors.add(p.key(), p.problem()));
        for (String o : renamed.overrides()) {
            ConfigLoader.applyOverride(tree, o);
        }
        return new ConfigInput(tree, errors, renamed.overrides());
    }

    /**
     * Binds the tree merged over {@code defaults} (may be null) to {@code type}, collecting every problem; null when
     * no record could be made. Call {@link ConfigErrors#throwIfAny} after any checks of the bound record.
     */
    public <T> T bind(Class<T> type, ObjectNode defaults) {
        ObjectNode merged = defaults == null ? tree : ConfigLoader.merge(defaults.deepCopy(), tree);
        return ConfigBinder.bind(merged, type, defaults, errors, tree);
    }
}
