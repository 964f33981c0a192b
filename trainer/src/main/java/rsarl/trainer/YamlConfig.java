package rsarl.trainer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * YAML config files bound to records: defaults tree, then the user's file, then {@code --set key.path=value}
 * overrides, then strict binding (unknown keys, wrong types and bad enum values are errors that name the key path
 * and the file). Keys are snake_case; record components are camelCase.
 */
public final class YamlConfig {
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final ObjectMapper BINDER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .build();

    static {
        // "0.5" in quotes is a string: do not silently turn strings into numbers or booleans.
        for (LogicalType t : new LogicalType[] {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
            BINDER.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        }
    }

    private YamlConfig() {}

    /** Parses a YAML file whose top level is a mapping; syntax errors name file, line and column. */
    public static ObjectNode read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": config file not found");
        }
        try {
            JsonNode n = YAML.readTree(file.toFile());
            return asObject(n, file.toString());
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new IllegalArgumentException(file + (loc == null ? "" : ":" + loc.getLineNr() + ":"
                    + loc.getColumnNr()) + ": invalid YAML: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
        }
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

    /**
     * Applies one {@code key.path=value} override. The value is read as a YAML scalar or flow collection, so
     * {@code 0.5}, {@code true}, {@code [q_proj, v_proj]} and {@code null} keep their types.
     */
    public static void set(ObjectNode root, String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("--set " + assignment + ": expected key.path=value");
        }
        String path = assignment.substring(0, eq).trim();
        String raw = assignment.substring(eq + 1);
        JsonNode value;
        try {
            value = raw.isBlank() ? JsonNodeFactory.instance.textNode("") : YAML.readTree(raw);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("--set " + assignment + ": bad value: " + e.getOriginalMessage(), e);
        }
        if (value == null || value.isMissingNode()) {
            value = JsonNodeFactory.instance.nullNode();
        }
        String[] keys = path.split("\\.");
        ObjectNode node = root;
        for (int i = 0; i < keys.length - 1; i++) {
            if (keys[i].isEmpty()) {
                throw new IllegalArgumentException("--set " + assignment + ": empty key in '" + path + "'");
            }
            JsonNode child = node.get(keys[i]);
            if (child == null || child.isNull()) {
                child = node.putObject(keys[i]);
            } else if (!(child instanceof ObjectNode)) {
                throw new IllegalArgumentException("--set " + assignment + ": '"
                        + String.join(".", Arrays.copyOf(keys, i + 1)) + "' is not a mapping");
            }
            node = (ObjectNode) child;
        }
        node.set(keys[keys.length - 1], value);
    }

    /** Renames a top-level alias key to its canonical name; giving both is an error naming them. */
    public static void alias(ObjectNode tree, String alias, String canonical, String source) {
        if (!tree.has(alias)) {
            return;
        }
        if (tree.has(canonical)) {
            throw new IllegalArgumentException(source + ": keys '" + alias + "' and '" + canonical
                    + "' mean the same thing; give only one");
        }
        tree.set(canonical, tree.remove(alias));
    }

    /** Binds a merged tree strictly; {@code source} (the file name) prefixes every error. */
    public static <T> T bind(ObjectNode tree, Class<T> type, String source) {
        try {
            return BINDER.treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            String key = path(e);
            String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
            throw new IllegalArgumentException(source + ": unknown key '" + key + "'"
                    + (known.isEmpty() ? "" : " (known here: " + known + ")"), e);
        } catch (InvalidFormatException e) {
            String allowed = e.getTargetType() != null && e.getTargetType().isEnum()
                    ? " (one of " + Arrays.stream(e.getTargetType().getEnumConstants())
                            .map(c -> c.toString().toLowerCase(java.util.Locale.ROOT))
                            .collect(Collectors.joining(", ")) + ")"
                    : " (expected " + simpleType(e.getTargetType()) + ")";
            throw new IllegalArgumentException(source + ": key '" + path(e) + "': bad value '" + e.getValue() + "'"
                    + allowed, e);
        } catch (MismatchedInputException e) {
            JsonNode given = tree.at(pointer(e));
            throw new IllegalArgumentException(source + ": key '" + path(e) + "': expected "
                    + simpleType(e.getTargetType()) + (given.isMissingNode() ? "" : ", got " + given), e);
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException(source + ": key '" + path(e) + "': " + firstLine(e.getOriginalMessage()),
                    e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": " + firstLine(e.getOriginalMessage()), e);
        }
    }

    /**
     * Short stable hash of a bound config (snake_case keys, sorted), minus the given top-level keys; used to notice
     * a resume with a different config.
     */
    public static String hash(Object config, String... ignoredKeys) {
        ObjectNode tree = BINDER.valueToTree(config);
        tree.remove(Arrays.asList(ignoredKeys));
        try {
            ObjectMapper sorted = JsonMapper.builder()
                    .enable(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();
            Object plain = sorted.treeToValue(tree, Object.class);
            byte[] bytes = sorted.writeValueAsBytes(plain);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String path(JsonMappingException e) {
        List<String> parts = new ArrayList<>();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                parts.add(r.getFieldName());
            } else if (r.getIndex() >= 0 && !parts.isEmpty()) {
                parts.set(parts.size() - 1, parts.get(parts.size() - 1) + "[" + r.getIndex() + "]");
            }
        }
        return String.join(".", parts);
    }

    private static String pointer(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            sb.append('/').append(r.getFieldName() != null ? r.getFieldName() : Integer.toString(r.getIndex()));
        }
        return sb.toString();
    }

    private static String simpleType(Class<?> t) {
        if (t == null) {
            return "another type";
        }
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class) {
            return "an integer";
        }
        if (t == double.class || t == Double.class || t == float.class || t == Float.class) {
            return "a number";
        }
        if (t == boolean.class || t == Boolean.class) {
            return "true or false";
        }
        if (List.class.isAssignableFrom(t)) {
            return "a list";
        }
        if (t == String.class) {
            return "a string";
        }
        return "a mapping (" + t.getSimpleName() + ")";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "invalid value";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static ObjectNode asObject(JsonNode n, String source) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            return JsonNodeFactory.instance.objectNode();
        }
        if (!(n instanceof ObjectNode o)) {
            throw new IllegalArgumentException(source + ": top level must be a mapping of keys");
        }
        return o;
    }
}
