package rsarl.rollout.config;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonLocation;
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
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Binds a config tree to its record strictly (no unknown keys, no "16" for 16, no 16.5 for an int; enum names in
 * any case), collecting every problem into {@link ConfigErrors}: Jackson stops at the first one, so after each
 * problem the offending value is set aside (put back to its default, or removed so the record's own default
 * applies) and the tree is bound again, until it binds.
 *
 * <p>Validation convention for config records: a compact constructor that rejects a value throws
 * {@link IllegalArgumentException} whose message starts with the offending key ("k: must be ..."), so the problem
 * can be placed under the path of the enclosing section.
 *
 * <p>A record component marked {@code @JsonUnwrapped} is a section shared between configs whose keys are written at
 * the top level of the enclosing record (e.g. the optimizer keys of {@code rsa train} and {@code rsa sft}); it is
 * bound as strictly as the rest.
 */
public final class ConfigBinder {

    static final PropertyNamingStrategies.NamingBase SNAKE_CASE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    static final ObjectMapper BINDER = JsonMapper.builder()
            .propertyNamingStrategy(SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .build();

    static {
        // "0.5" in quotes is a string: do not silently turn strings into numbers or booleans.
        for (LogicalType t : new LogicalType[] {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
            BINDER.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        }
    }

    /** Bound problems per config are few; this only guards against a record whose defaults fail its own checks. */
    private static final int MAX_ROUNDS = 200;

    private ConfigBinder() {
    }

    /**
     * Binds {@code tree} to {@code type}, adding every problem to {@code errors}; returns the record bound from the
     * tree with the bad values set aside (its defaults in their place), or null when no such record can be made.
     * {@code defaults} (may be null) is the defaults tree merged under {@code tree}: a bad value goes back to its
     * default from there. The problems are listed in the order of their keys in {@code tree}.
     */
    public static <T> T bind(JsonNode tree, Class<T> type, JsonNode defaults, ConfigErrors errors) {
        return bind(tree, type, defaults, errors, tree);
    }

    /** As {@link #bind(JsonNode, Class, JsonNode, ConfigErrors)}, listing problems in their keys' order in {@code file}. */
    public static <T> T bind(JsonNode tree, Class<T> type, JsonNode defaults, ConfigErrors errors, JsonNode file) {
        JsonNode work = tree.deepCopy();
        List<String> order = new ArrayList<>();
        paths("", file, order);
        Set<String> restored = new java.util.HashSet<>();
        T value = null;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            try {
                value = bindStrictly(work, type);
                break;
            } catch (JsonMappingException e) {
                ConfigErrors.Problem p = describe(e, work);
                errors.add(p.key(), p.problem());
                if (!setAside(work, fields(p.key()), defaults, restored, errors)) {
                    break;
                }
            } catch (JsonProcessingException e) {
                errors.add("", firstLine(e.getOriginalMessage()));
                break;
            }
        }
        errors.sort(key -> rank(order, key));
        return value;
    }

    /** Puts the value at {@code path} (or its nearest present parent) back to its default, else removes it. */
    private static boolean setAside(JsonNode work, List<String> path, JsonNode defaults, Set<String> restored,
            ConfigErrors errors) {
        List<String> p = new ArrayList<>(path);
        while (!p.isEmpty() && at(work, p) == null) {
            p.remove(p.size() - 1);
        }
        if (p.isEmpty() || !(at(work, p.subList(0, p.size() - 1)) instanceof ObjectNode parent)) {
            return false;
        }
        String key = String.join(".", p);
        String leaf = p.get(p.size() - 1);
        JsonNode def = defaults == null ? null : at(defaults, p);
        if (def != null && restored.add(key) && !def.equals(parent.get(leaf))) {
            parent.set(leaf, def.deepCopy());
        } else {
            parent.remove(leaf);
        }
        errors.setAside(key);
        return true;
    }

    private static JsonNode at(JsonNode n, List<String> path) {
        JsonNode cur = n;
        for (String f : path) {
            if (cur == null || !cur.isObject()) {
                return null;
            }
            cur = cur.get(f);
        }
        return cur;
    }

    /** The field names of a dotted key path, list indices dropped ({@code seeds[2]} is {@code seeds}). */
    private static List<String> fields(String key) {
        List<String> out = new ArrayList<>();
        for (String part : key.replaceAll("\\[\\d+]", "").split("\\.")) {
            if (!part.isEmpty()) {
                out.add(part);
            }
        }
        return out;
    }

    /** Every key path of the tree in file order (sections before their keys). */
    private static void paths(String prefix, JsonNode n, List<String> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.add(prefix + e.getKey());
            paths(prefix + e.getKey() + ".", e.getValue(), out);
        }
    }

    /** The place in the file of {@code key}, or of its nearest section that is there. */
    private static int rank(List<String> order, String key) {
        List<String> f = fields(key);
        while (!f.isEmpty()) {
            int i = order.indexOf(String.join(".", f));
            if (i >= 0) {
                return i;
            }
            f.remove(f.size() - 1);
        }
        return Integer.MAX_VALUE;
    }

    /**
     * Binds a tree, also for a record with {@code @JsonUnwrapped} sections. Jackson ignores unknown keys beside
     * such a section and binds the section last, so for those records this finds the problem Jackson reports for a
     * record without sections: the one at the earliest top-level key, among the first unknown key, the record's
     * binding error and each section's binding error.
     */
    static <T> T bindStrictly(JsonNode tree, Class<T> type) throws JsonProcessingException {
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

    /** The key and the wording of a binding error. */
    static ConfigErrors.Problem describe(JsonMappingException e, JsonNode tree) {
        String path = path(e);
        if (e instanceof UnrecognizedPropertyException u) {
            String known = u.getKnownPropertyIds() == null ? "" : " (known keys: "
                    + u.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")) + ")";
            return new ConfigErrors.Problem(path, ConfigErrors.UNKNOWN + known);
        }
        if (e instanceof ValueInstantiationException && e.getCause() instanceof IllegalArgumentException iae) {
            String msg = iae.getMessage() == null ? "invalid value" : iae.getMessage();
            int colon = msg.indexOf(':');
            if (colon > 0 && msg.substring(0, colon).matches("[a-z_][a-z0-9_.]*")) {
                String inner = msg.substring(0, colon);
                return new ConfigErrors.Problem(path.isEmpty() ? inner : path + "." + inner,
                        msg.substring(colon + 1).strip());
            }
            return new ConfigErrors.Problem(path, msg);
        }
        if (e instanceof InvalidFormatException f && f.getTargetType() != null && f.getTargetType().isEnum()) {
            return new ConfigErrors.Problem(path, "bad value '" + f.getValue() + "' (one of "
                    + Arrays.stream(f.getTargetType().getEnumConstants())
                            .map(c -> c.toString().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")) + ")");
        }
        if (e instanceof MismatchedInputException mi) {
            JsonNode given = tree.at(pointer(e));
            return new ConfigErrors.Problem(path, "expected " + typeName(mi.getTargetType())
                    + (given.isMissingNode() ? "" : ", got " + given));
        }
        return new ConfigErrors.Problem(path, firstLine(e.getOriginalMessage()));
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

    static String firstLine(String s) {
        if (s == null) {
            return "invalid value";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
