package rsarl.rollout.config;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Loads YAML config files into records: optional defaults tree, then the user's file, then
 * {@code --set a.b.c=value} overrides, then strict binding. Keys are snake_case (record components are
 * camelCase). Unknown keys, wrong types, bad enum values and values rejected by a record's own checks end
 * in a {@link ConfigException} naming the file and key path.
 *
 * <p>Validation convention for config records: a compact constructor that rejects a value throws
 * {@link IllegalArgumentException} whose message starts with the offending key ("k: must be ..."),
 * so this loader can prefix the path of the enclosing section.
 *
 * <p>A record component marked {@code @JsonUnwrapped} is a section shared between configs whose keys are written
 * at the top level of the enclosing record (e.g. the optimizer keys of {@code rsa train} and {@code rsa sft}); it
 * is bound as strictly as the rest (see {@link #bind}).
 */
public final class ConfigLoader {

    private static final PropertyNamingStrategies.NamingBase SNAKE_CASE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    private static final ObjectMapper YAML = YAMLMapper.builder(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** Strict binder: no unknown keys, no "16" for 16, no 16.5 for an int; enum names in any case. */
    private static final ObjectMapper BINDER = JsonMapper.builder()
            .propertyNamingStrategy(SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .build();

    /** Key-sorted JSON, so a config's hash does not depend on field order. */
    private static final ObjectMapper SORTED = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    static {
        // "0.5" in quotes is a string: do not silently turn strings into numbers or booleans.
        for (LogicalType t : new LogicalType[] {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
            BINDER.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        }
    }

    private ConfigLoader() {
    }

    /** Reads {@code file}, applies the overrides in order, and binds the result to {@code type}. */
    public static <T> T load(Path file, List<String> overrides, Class<T> type) {
        return bind(readTree(file, overrides), type, file.toString(), overrides);
    }

    /** Reads the YAML tree of {@code file} with the overrides applied (for callers that bind themselves). */
    public static ObjectNode readTree(Path file, List<String> overrides) {
        ObjectNode tree = read(file);
        for (String assignment : overrides == null ? List.<String>of() : overrides) {
            applyOverride(tree, assignment);
        }
        return tree;
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

    /** Renames a top-level alias key to its canonical name; giving both is an error naming them. */
    public static void alias(ObjectNode tree, String alias, String canonical, String source) {
        if (!tree.has(alias)) {
            return;
        }
        if (tree.has(canonical)) {
            throw new ConfigException(source + ": keys '" + alias + "' and '" + canonical
                    + "' mean the same thing; give only one");
        }
        tree.set(canonical, tree.remove(alias));
    }

    /** Binds a tree to a config record; {@code source} names the file in error messages. */
    public static <T> T bind(JsonNode tree, Class<T> type, String source) {
        return bind(tree, type, source, List.of());
    }

    /**
     * Binds a tree to a config record. An error at a key that one of the {@code --set} {@code overrides} assigned
     * names that assignment (the command line) instead of the file.
     */
    public static <T> T bind(JsonNode tree, Class<T> type, String source, List<String> overrides) {
        try {
            return bindStrictly(tree, type);
        } catch (JsonMappingException e) {
            String what = describe(e, tree);
            String key = path(e);
            if (e instanceof ValueInstantiationException && e.getCause() instanceof IllegalArgumentException iae
                    && iae.getMessage() != null && iae.getMessage().indexOf(':') > 0) {
                String inner = iae.getMessage().substring(0, iae.getMessage().indexOf(':'));
                key = key.isEmpty() ? inner : key + "." + inner;
            }
            String set = Overrides.setBy(overrides, key);
            throw new ConfigException((set != null ? "--set " + set : source) + ": " + what, e);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": " + firstLine(e.getOriginalMessage()), e);
        }
    }

    /**
     * Binds a tree, also for a record with {@code @JsonUnwrapped} sections. Jackson ignores unknown keys beside
     * such a section and binds the section last, so for those records this finds the problem Jackson reports for a
     * record without sections: the one at the earliest top-level key, among the first unknown key, the record's
     * binding error and each section's binding error.
     */
    private static <T> T bindStrictly(JsonNode tree, Class<T> type) throws JsonProcessingException {
        List<Class<?>> sections = unwrappedSections(type);
        if (sections.isEmpty() || !(tree instanceof ObjectNode object)) {
            return BINDER.treeToValue(tree, type);
        }
        List<String> keys = new ArrayList<>();
        object.fieldNames().forEachRemaining(keys::add);
        Set<String> known = knownKeys(type);
        JsonMappingException first = keys.stream().filter(k -> !known.contains(k)).findFirst()
                .map(k -> unknownKey(type, k, known)).orElse(null);
        T value = null;
        try {
            value = BINDER.treeToValue(tree, type);
        } catch (JsonMappingException e) {
            first = earlier(first, e, keys);
        }
        if (first == null) {
            return value;
        }
        for (Class<?> section : sections) {
            Set<String> own = knownKeys(section);
            ObjectNode part = object.objectNode();
            keys.stream().filter(own::contains).forEach(k -> part.set(k, object.get(k)));
            try {
                BINDER.treeToValue(part, section);
            } catch (JsonMappingException e) {
                first = earlier(first, e, keys);
            }
        }
        throw first;
    }

    /** Types of the record's {@code @JsonUnwrapped} components. */
    private static List<Class<?>> unwrappedSections(Class<?> type) {
        List<Class<?>> out = new ArrayList<>();
        if (type.isRecord()) {
            for (RecordComponent c : type.getRecordComponents()) {
                if (isUnwrapped(c)) {
                    out.add(c.getType());
                }
            }
        }
        return out;
    }

    private static boolean isUnwrapped(RecordComponent c) {
        JsonUnwrapped u = c.getAccessor().getAnnotation(JsonUnwrapped.class);
        return u != null && u.enabled();
    }

    /** The top-level keys of a record: its components' snake_case names, a section's keys in place of the section. */
    private static Set<String> knownKeys(Class<?> type) {
        Set<String> out = new LinkedHashSet<>();
        for (RecordComponent c : type.getRecordComponents()) {
            if (isUnwrapped(c)) {
                out.addAll(knownKeys(c.getType()));
            } else {
                out.add(SNAKE_CASE.translate(c.getName()));
            }
        }
        return out;
    }

    private static JsonMappingException unknownKey(Class<?> type, String key, Set<String> known) {
        UnrecognizedPropertyException e = new UnrecognizedPropertyException(null, "Unrecognized field \"" + key
                + "\" (class " + type.getName() + ")", JsonLocation.NA, type, key, new ArrayList<Object>(known));
        e.prependPath(type, key);
        return e;
    }

    /** {@code b} if it lies at an earlier top-level key than {@code a} (or {@code a} is null), else {@code a}. */
    private static JsonMappingException earlier(JsonMappingException a, JsonMappingException b, List<String> keys) {
        return a == null || position(b, keys) < position(a, keys) ? b : a;
    }

    private static int position(JsonMappingException e, List<String> keys) {
        String top = e.getPath().isEmpty() ? null : e.getPath().get(0).getFieldName();
        int i = top == null ? -1 : keys.indexOf(top);
        return i < 0 ? Integer.MAX_VALUE : i;
    }

    /** The snake_case tree of a config record (e.g. to store the resolved config beside a run's outputs). */
    public static ObjectNode toTree(Object config) {
        return BINDER.valueToTree(config);
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

    private static String describe(JsonMappingException e, JsonNode tree) {
        String path = path(e);
        if (e instanceof UnrecognizedPropertyException u) {
            String known = u.getKnownPropertyIds() == null ? "" : " (known keys: "
                    + u.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")) + ")";
            return "unknown key '" + path + "'" + known;
        }
        if (e instanceof ValueInstantiationException && e.getCause() instanceof IllegalArgumentException iae) {
            String msg = iae.getMessage();
            return path.isEmpty() ? msg : path + "." + msg;
        }
        if (e instanceof InvalidFormatException f && f.getTargetType() != null && f.getTargetType().isEnum()) {
            return "key '" + path + "': bad value '" + f.getValue() + "' (one of "
                    + Arrays.stream(f.getTargetType().getEnumConstants())
                            .map(c -> c.toString().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")) + ")";
        }
        if (e instanceof MismatchedInputException mi) {
            JsonNode given = tree.at(pointer(e));
            return "key '" + path + "': expected " + typeName(mi.getTargetType())
                    + (given.isMissingNode() ? "" : ", got " + given);
        }
        return "key '" + path + "': " + firstLine(e.getOriginalMessage());
    }

    /** The snake_case key path of a binding error, e.g. {@code rsa.k} or {@code seeds[2]}. */
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

    private static String typeName(Class<?> type) {
        if (type == null) {
            return "another type";
        }
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
        return "a mapping (" + type.getSimpleName() + ")";
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
            throw new ConfigException(source + ": the top level of a config must be a mapping of keys");
        }
        return o;
    }
}
