package rsarl.rollout.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Every problem found in one command's config, reported together in one format: one line per problem,
 * {@code WHERE: key 'KEY': PROBLEM}, where WHERE is the config file or, for a key a {@code --set} assignment gave,
 * that assignment ({@code --set rsa.k=9}). One problem is one line; several follow a line {@code FILE: N problems; nothing was run:}.
 *
 * <p>The binder ({@link ConfigBinder}) sets a bad value aside (back to its default) to look for further problems;
 * problems a set-aside key causes in turn (its section now lacks it, a cross-key check sees its default) are
 * dropped, so each mistake is reported once.
 */
public final class ConfigErrors {

    /** One problem: the dotted key path ({@code rsa.k}, {@code seeds[2]}; empty for the whole file) and what is wrong. */
    public record Problem(String key, String problem) {}

    /** The wording of an unknown key's problem, followed by {@code (known keys: ...)}. */
    public static final String UNKNOWN = "unknown key";

    private final String source;
    private final List<String> overrides;
    private final List<String> typed;
    private final List<Problem> problems = new ArrayList<>();
    private final Set<String> setAside = new HashSet<>();

    /** Problems of {@code source} (the config file) and the {@code --set} {@code overrides} applied over it. */
    public ConfigErrors(String source, List<String> overrides) {
        this(source, overrides, overrides);
    }

    /**
     * As above, where {@code overrides} are the assignments as applied (deprecated key names already replaced)
     * and {@code typed} the same assignments as the user typed them, which the messages quote.
     */
    public ConfigErrors(String source, List<String> overrides, List<String> typed) {
        this.source = source;
        this.overrides = overrides == null ? List.of() : List.copyOf(overrides);
        this.typed = typed == null ? this.overrides : List.copyOf(typed);
    }

    public String source() {
        return source;
    }

    /** Records a problem at {@code key}, unless it follows from a key set aside earlier or is already recorded. */
    public void add(String key, String problem) {
        Problem p = new Problem(key == null ? "" : key, problem);
        if (!covered(p.key()) && !problems.contains(p)) {
            problems.add(p);
        }
    }

    /** Adds "file not found: PATH" at {@code key} unless {@code path} is blank, {@code key} was set aside or the file is there. */
    public void requireFile(String key, String path) {
        if (path != null && !path.isBlank() && !covered(key) && !Files.isRegularFile(Path.of(path))) {
            add(key, "file not found: " + path);
        }
    }

    /** Adds "folder not found: PATH" at {@code key} unless {@code path} is blank, {@code key} was set aside or it is there. */
    public void requireFolder(String key, String path) {
        if (path != null && !path.isBlank() && !covered(key) && !Files.isDirectory(Path.of(path))) {
            add(key, "folder not found: " + path);
        }
    }

    /** Marks {@code key} as set aside after a problem there (see the class comment). */
    void setAside(String key) {
        setAside.add(key);
    }

    /**
     * Whether {@code key} is, lies under, or lies above a key set aside after a problem: checks that depend on such
     * a key (a file that {@code data.generate} would create) are skipped, as its value is not the user's.
     */
    public boolean covered(String key) {
        String k = plain(key);
        for (String s : setAside) {
            if (s.isEmpty() || k.equals(s) || k.startsWith(s + ".") || s.startsWith(k + ".") || k.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    public boolean isEmpty() {
        return problems.isEmpty();
    }

    public List<Problem> problems() {
        return List.copyOf(problems);
    }

    /** Orders the problems by {@code rank} (e.g. the key's place in the file), keeping the found order on ties. */
    void sort(java.util.function.ToIntFunction<String> rank) {
        problems.sort(java.util.Comparator.comparingInt(p -> rank.applyAsInt(p.key())));
    }

    /** Whether a {@code --set} assignment gave {@code key} (rather than the file). */
    public boolean setByOverride(String key) {
        return Overrides.indexSetBy(overrides, key) >= 0;
    }

    /** The line of one problem. */
    public String line(Problem p) {
        String where = source;
        int i = Overrides.indexSetBy(overrides, p.key());
        if (i >= 0) {
            where = "--set " + typed.get(i);
        }
        return p.key().isEmpty() ? where + ": " + p.problem() : where + ": key '" + p.key() + "': " + p.problem();
    }

    /** All problems in one message (null when there are none). */
    public String message() {
        if (problems.isEmpty()) {
            return null;
        }
        if (problems.size() == 1) {
            return line(problems.get(0));
        }
        StringBuilder sb = new StringBuilder(source + ": " + problems.size() + " problems; nothing was run:");
        Set<String> listed = new HashSet<>();
        for (Problem p : problems) {
            // A section's known keys are listed once, at its first unknown key.
            if (p.problem().startsWith(UNKNOWN + " (") && !listed.add(section(p.key()))) {
                p = new Problem(p.key(), UNKNOWN);
            }
            sb.append("\n  ").append(line(p));
        }
        return sb.toString();
    }

    /** Throws one {@link ConfigException} listing every problem, if there is any. */
    public void throwIfAny() {
        if (!problems.isEmpty()) {
            throw new ConfigException(message());
        }
    }

    private static String section(String key) {
        int dot = key.lastIndexOf('.');
        return dot < 0 ? "" : key.substring(0, dot);
    }

    private static String plain(String key) {
        return key.replaceAll("\\[\\d+]", "");
    }
}
