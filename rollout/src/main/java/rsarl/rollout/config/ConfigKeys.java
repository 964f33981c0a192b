package rsarl.rollout.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The one reference of a command's config keys: a YAML file next to the config record listing every key with its
 * default and, in a comment, its meaning ({@code eval-defaults.yaml}, {@code train-defaults.yaml}, ...). It is what
 * {@code --print-config} prints and what the README's key tables are checked against; a new key is one line there.
 */
public final class ConfigKeys {
    private ConfigKeys() {
    }

    /** The reference text as shipped. */
    public static String text(Class<?> owner, String resource) {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every leaf key as a dotted path, in file order (a mapping's keys instead of the mapping). */
    public static List<String> keys(Class<?> owner, String resource) {
        List<String> out = new ArrayList<>();
        flatten("", ConfigLoader.readResource(owner, resource), out);
        return out;
    }

    private static void flatten(String prefix, JsonNode n, List<String> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix + e.getKey();
            if (e.getValue().isObject() && !e.getValue().isEmpty()) {
                flatten(key + ".", e.getValue(), out);
            } else {
                out.add(key);
            }
        }
    }
}
