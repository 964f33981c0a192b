package rsarl.rollout.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Loads YAML config files: optional defaults tree, then the user's file, then {@code --set a.b.c=value}
 * overrides, then strict binding ({@link ConfigBinder}), which reports every problem at once naming the file (or the
 * {@code --set} assignment) and key path ({@link ConfigErrors}). Keys are snake_case (record components are
 * camelCase).
 */
public final class ConfigLoader {

    private static final ObjectMapper YAML = YAMLMapper.builder(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** Key-sorted JSON, so a config's hash does not depend on field order. */
    private static final ObjectMapper SORTED = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private ConfigLoader() {
    }

    /** Parses a YAML file whose top level is a mapping; syntax errors name file, line and column. */
    public static ObjectNode read(Path file) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": config file not found", e);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String at = loc == null || loc.getLineNr() <= 0 ? "" : ":" + loc.getLineNr() + ":" + loc.getColumnNr();
            throw new ConfigException(file + at + ": invalid YAML: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read config: " + e.getMessage(), e);
        }
        return asObject(root, file.toString());
    }

    /** Parses a YAML classpath resource (the defaults shipped next to a config record). */
    public static ObjectNode readResource(Class<?> owner, String name) {
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return asObject(YAML.readTree(in), name);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + name, e);
        }
    }

    /** Deep-merges {@code over} into {@code base} (mappings merge key by key; anything else replaces). */
    public static ObjectNode merge(ObjectNode base, ObjectNode over) {
        for (Iterator<Map.Entry<String, JsonNode>> it = over.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode old = base.get(e.getKey());
            if (old instanceof ObjectNode o && e.getValue() instanceof ObjectNode n) {
                merge(o, n);
            } else {
                base.set(e.getKey(), e.getValue().deepCopy());
            }
        }
        return base;
    }

    /** Binds a tree to a config record; {@code source} names the file in error messages. */
    public static <T> T bind(JsonNode tree, Class<T> type, String source) {
        return bind(tree, type, source, List.of());
    }

    /**
     * Binds a tree to a config record, reporting every problem at once ({@link ConfigBinder}, {@link ConfigErrors}).
     * A problem at a key that one of the {@code --set} {@code overrides} assigned names that assignment (the command
     * line) instead of the file.
     */
    public static <T> T bind(JsonNode tree, Class<T> type, String source, List<String> overrides) {
        ConfigErrors errors = new ConfigErrors(source, overrides);
        T value = ConfigBinder.bind(tree, type, null, errors);
        errors.throwIfAny();
        return value;
    }

    /** The snake_case tree of a config record (e.g. to store the resolved config beside a run's outputs). */
    public static ObjectNode toTree(Object config) {
        return ConfigBinder.BINDER.valueToTree(config);
    }

    /**
     * Short stable hash of a bound config (snake_case keys, sorted), minus the given top-level keys; used to
     * notice a resume with a different config.
     */
    public static String hash(Object config, String... ignoredKeys) {
        ObjectNode tree = toTree(config);
        tree.remove(Arrays.asList(ignoredKeys));
        try {
            byte[] bytes = SORTED.writeValueAsBytes(SORTED.treeToValue(tree, Object.class));
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Applies one {@code a.b.c=value} override. The value is read as a YAML scalar or flow collection, so
     * {@code 0.5}, {@code true}, {@code [q_proj, v_proj]} and {@code null} keep their types.
     */
    public static void applyOverride(ObjectNode root, String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--set " + assignment + ": expected key.path=value");
        }
        String keyPath = assignment.substring(0, eq).trim();
        String text = assignment.substring(eq + 1);
        String[] keys = keyPath.split("\\.", -1);
        for (String key : keys) {
            if (key.isEmpty()) {
                throw new ConfigException("--set " + assignment + ": empty key in '" + keyPath + "'");
            }
        }
        JsonNode value;
        try {
            value = text.isBlank() ? TextNode.valueOf(text) : YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ConfigException("--set " + assignment + ": value is not valid YAML: " + e.getOriginalMessage(), e);
        }
        if (value == null || value.isMissingNode()) {
            value = TextNode.valueOf(text);
        }
        ObjectNode node = root;
        for (int i = 0; i < keys.length - 1; i++) {
            JsonNode child = node.get(keys[i]);
            if (child == null || child.isNull()) {
                child = node.putObject(keys[i]);
            } else if (!child.isObject()) {
                String prefix = String.join(".", List.of(keys).subList(0, i + 1));
                throw new ConfigException("--set " + assignment + ": '" + prefix + "' is not a mapping");
            }
            node = (ObjectNode) child;
        }
        node.set(keys[keys.length - 1], value);
    }

    private static ObjectNode asObject(JsonNode n, String source) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            return JsonNodeFactory.instance.objectNode();
        }
        if (!(n instanceof ObjectNode o)) {
            throw new ConfigException(source + ": the top level of a config must be a mapping of keys");
        }
        return o;
    }
}
