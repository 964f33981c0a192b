package rsarl.rollout.serve;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** Typed reads of optional request fields; JSON null counts as absent, a wrong type is a 400 naming the field. */
final class JsonFields {
    private JsonFields() {
    }

    static boolean present(JsonNode root, String field) {
        JsonNode v = root.get(field);
        return v != null && !v.isNull();
    }

    static Double number(JsonNode root, String field) {
        if (!present(root, field)) return null;
        JsonNode v = root.get(field);
        if (!v.isNumber() || !Double.isFinite(v.asDouble())) throw ApiError.badField(field, "must be a number, got " + v);
        return v.asDouble();
    }

    static Long integer(JsonNode root, String field) {
        if (!present(root, field)) return null;
        JsonNode v = root.get(field);
        // 16.0 is accepted as 16 (some clients serialise every number as a double); 16.5 is not.
        boolean integral = v.isIntegralNumber() || (v.isFloatingPointNumber() && v.asDouble() == Math.rint(v.asDouble()));
        if (!integral || !v.canConvertToLong()) throw ApiError.badField(field, "must be an integer, got " + v);
        return v.asLong();
    }

    static Integer intIn(JsonNode root, String field, long min, long max) {
        Long v = integer(root, field);
        if (v == null) return null;
        if (v < min || v > max) {
            throw ApiError.badField(field, "must be in [" + min + ", " + max + "], got " + v);
        }
        return v.intValue();
    }

    static Boolean bool(JsonNode root, String field) {
        if (!present(root, field)) return null;
        JsonNode v = root.get(field);
        if (!v.isBoolean()) throw ApiError.badField(field, "must be true or false, got " + v);
        return v.asBoolean();
    }

    static String string(JsonNode root, String field) {
        if (!present(root, field)) return null;
        JsonNode v = root.get(field);
        if (!v.isTextual()) throw ApiError.badField(field, "must be a string, got " + v);
        return v.asText();
    }

    /** A string or an array of strings, as OpenAI's {@code stop}. */
    static List<String> strings(JsonNode root, String field) {
        List<String> out = new ArrayList<>();
        if (!present(root, field)) return out;
        JsonNode v = root.get(field);
        if (v.isTextual()) {
            out.add(v.asText());
        } else if (v.isArray()) {
            for (int i = 0; i < v.size(); i++) {
                if (!v.get(i).isTextual()) throw ApiError.badField(field + "[" + i + "]", "must be a string, got " + v.get(i));
                out.add(v.get(i).asText());
            }
        } else {
            throw ApiError.badField(field, "must be a string or an array of strings, got " + v);
        }
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).isEmpty()) throw ApiError.badField(field, "must not contain an empty string");
        }
        return out;
    }

    /** An array of integers (such as {@code stop_token_ids}). */
    static List<Integer> ints(JsonNode root, String field, int min, int max) {
        List<Integer> out = new ArrayList<>();
        if (!present(root, field)) return out;
        JsonNode v = root.get(field);
        if (!v.isArray()) throw ApiError.badField(field, "must be an array of integers, got " + v);
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isIntegralNumber() || e.asLong() < min || e.asLong() > max) {
                throw ApiError.badField(field + "[" + i + "]", "must be an integer in [" + min + ", " + max + "], got " + e);
            }
            out.add(e.asInt());
        }
        return out;
    }
}
