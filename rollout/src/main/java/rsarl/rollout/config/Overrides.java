package rsarl.rollout.config;

import java.util.List;

/** Which {@code --set key.path=value} assignment, if any, set a config key (so an error can name the command line). */
public final class Overrides {
    private Overrides() {
    }

    /**
     * The last {@code --set} assignment of {@code key} (or of a key above or below it: {@code rsa={k: 0}} sets
     * {@code rsa.k}), or null when the key comes from the file.
     */
    public static String setBy(List<String> overrides, String key) {
        int i = indexSetBy(overrides, key);
        return i < 0 ? null : overrides.get(i);
    }

    /** The index of {@link #setBy}'s assignment in {@code overrides}, or -1. */
    public static int indexSetBy(List<String> overrides, String key) {
        int found = -1;
        List<String> all = overrides == null ? List.of() : overrides;
        String base = key.replaceAll("\\[\\d+]", "");
        for (int i = 0; i < all.size(); i++) {
            String o = all.get(i);
            int eq = o.indexOf('=');
            String k = eq > 0 ? o.substring(0, eq).trim() : "";
            if (!k.isEmpty() && !base.isEmpty()
                    && (k.equals(base) || base.startsWith(k + ".") || k.startsWith(base + "."))) {
                found = i;
            }
        }
        return found;
    }

    /** The key path of an assignment ({@code rsa.k} of {@code rsa.k=4}), or the whole text when it has no '='. */
    public static String key(String assignment) {
        int eq = assignment.indexOf('=');
        return eq > 0 ? assignment.substring(0, eq).trim() : assignment;
    }
}
