package rsarl.rollout.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Other names of a command's config keys, put in their canonical place before binding: in the file's tree and in
 * the {@code --set} assignments. A deprecated name still works and prints one warning line naming the new key;
 * giving both names is a problem naming them.
 */
public final class ConfigAliases {

    /** {@code old} (a dotted key path) is read as {@code canonical}; a {@code deprecated} one warns. */
    public record Alias(String old, String canonical, boolean deprecated) {}

    /** The overrides with canonical keys, and the problems found (both names given). */
    public record Renamed(List<String> overrides, List<ConfigErrors.Problem> problems) {}

    private ConfigAliases() {
    }

    public static Alias deprecated(String old, String canonical) {
        return new Alias(old, canonical, true);
    }

    public static Alias alias(String old, String canonical) {
        return new Alias(old, canonical, false);
    }

    /**
     * Moves every aliased key of {@code tree} (the file's, before overrides) to its canonical path and rewrites the
     * overrides' keys; warnings go to {@code warn}.
     */
    public static Renamed apply(ObjectNode tree, List<String> overrides, List<Alias> aliases, String source,
            PrintStream warn) {
        List<ConfigErrors.Problem> problems = new ArrayList<>();
        for (Alias a : aliases) {
            ObjectNode oldParent = parent(tree, a.old(), false);
            String oldLeaf = leaf(a.old());
            if (oldParent == null || !oldParent.has(oldLeaf)) {
                continue;
            }
            ObjectNode newParent = parent(tree, a.canonical(), true);
            String newLeaf = leaf(a.canonical());
            if (newParent == null) {
                problems.add(new ConfigErrors.Problem(a.old(), "cannot move to '" + a.canonical()
                        + "': a key above it is not a mapping"));
            } else if (newParent.has(newLeaf)) {
                problems.add(new ConfigErrors.Problem(a.old(), "means the same as '" + a.canonical()
                        + "'; give only '" + a.canonical() + "'"));
            } else {
                newParent.set(newLeaf, oldParent.remove(oldLeaf));
                if (a.deprecated()) {
                    warn.println("warning: " + source + ": key '" + a.old() + "' is deprecated; use '"
                            + a.canonical() + "'");
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (String o : overrides == null ? List.<String>of() : overrides) {
            out.add(rewrite(o, aliases, warn));
        }
        return new Renamed(out, problems);
    }

    private static String rewrite(String assignment, List<Alias> aliases, PrintStream warn) {
        String key = Overrides.key(assignment);
        for (Alias a : aliases) {
            if (key.equals(a.old()) || key.startsWith(a.old() + ".")) {
                if (a.deprecated()) {
                    warn.println("warning: --set " + assignment + ": key '" + a.old() + "' is deprecated; use '"
                            + a.canonical() + "'");
                }
                return a.canonical() + assignment.substring(assignment.indexOf(a.old()) + a.old().length());
            }
        }
        return assignment;
    }

    /** The mapping holding the last part of {@code path}; with {@code create}, missing mappings are made. */
    private static ObjectNode parent(ObjectNode tree, String path, boolean create) {
        String[] parts = path.split("\\.");
        ObjectNode node = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            if ((child == null || child.isNull()) && create) {
                child = node.putObject(parts[i]);
            }
            if (!(child instanceof ObjectNode o)) {
                return null;
            }
            node = o;
        }
        return node;
    }

    private static String leaf(String path) {
        return path.substring(path.lastIndexOf('.') + 1);
    }
}
