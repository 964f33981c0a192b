package rsarl.rollout.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Loads a YAML config file into a record, after applying {@code --set a.b.c=value} overrides to the
 * tree. Keys are snake_case (record components are camelCase). Unknown keys, wrong types and values
 * rejected by a record's own checks end in a {@link ConfigException} naming the file and key path.
 *
 * <p>Validation convention for config records: a compact constructor that rejects a value throws
 * {@link IllegalArgumentException} whose message starts with the offending key ("k: must be ..."),
 * so this loader can prefix the path of the enclosing section.
 */
public final class ConfigLoader {

    private static final ObjectMapper YAML = YAMLMapper.builder(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** Strict binder: no unknown keys, no "16" for 16, no 16.5 for an int. */
    private static final ObjectMapper BINDER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    private ConfigLoader() {
    }

    /** Reads {@code file}, applies the overrides in order, and binds the result to {@code type}. */
    public static <T> T load(Path file, List<String> overrides, Class<T> type) {
        return bind(readTree(file, overrides), type, file.toString());
    }

    /** Reads the YAML tree of {@code file} with the overrides applied (for callers that bind themselves). */
    public static ObjectNode readTree(Path file, List<String> overrides) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": config file not found");
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            throw new ConfigException(file + (line > 0 ? ":" + line : "") + ": invalid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read config: " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            root = JsonNodeFactory.instance.objectNode();
        }
        if (!root.isObject()) {
            throw new ConfigException(file + ": the top level of a config must be a mapping of keys");
        }
        ObjectNode tree = (ObjectNode) root;
        for (String assignment : overrides == null ? List.<String>of() : overrides) {
            applyOverride(tree, assignment);
        }
        return tree;
    }

    /** Binds a tree to a config record; {@code source} names the file in error messages. */
    public static <T> T bind(JsonNode tree, Class<T> type, String source) {
        try {
            return BINDER.treeToValue(tree, type);
        } catch (JsonMappingException e) {
            throw new ConfigException(source + ": " + describe(e));
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": " + e.getOriginalMessage());
        }
    }

    /** The snake_case tree of a config record (e.g. to store the resolved config beside a run's outputs). */
    public static ObjectNode toTree(Object config) {
        return BINDER.valueToTree(config);
    }

    /** Applies one {@code a.b.c=value} override; the value is parsed as a YAML scalar or flow collection. */
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
            throw new ConfigException("--set " + assignment + ": value is not valid YAML: " + e.getOriginalMessage());
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

    private static String typeName(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Double.class || type == double.class || type == Float.class || type == float.class) {
            return "a number";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (java.util.Collection.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "a mapping";
    }

    private static String describe(JsonMappingException e) {
        String path = e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
        if (e instanceof UnrecognizedPropertyException u) {
            String known = u.getKnownPropertyIds() == null ? "" : " (known keys: "
                    + u.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")) + ")";
            return "unknown key '" + path + "'" + known;
        }
        if (e instanceof ValueInstantiationException && e.getCause() instanceof IllegalArgumentException iae) {
            String msg = iae.getMessage();
            return path.isEmpty() ? msg : path + "." + msg;
        }
        if (e instanceof MismatchedInputException mi && mi.getTargetType() != null) {
            String got = e instanceof InvalidFormatException f && f.getValue() != null
                    ? ", got " + (f.getValue() instanceof String ? "\"" + f.getValue() + "\"" : f.getValue()) : "";
            return path + ": expected " + typeName(mi.getTargetType()) + got;
        }
        String msg = e.getOriginalMessage();
        int cut = msg.indexOf('\n');
        if (cut > 0) {
            msg = msg.substring(0, cut);
        }
        return path + ": " + msg;
    }
}
