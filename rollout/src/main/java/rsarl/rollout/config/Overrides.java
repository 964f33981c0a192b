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
        String found = null;
        for (String o : overrides == null ? List.<String>of() : overrides) {
            int eq = o.indexOf('=');
            String k = eq > 0 ? o.substring(0, eq).trim() : "";
            String base = key.replaceAll("\\[\\d+]", "");
            if (!k.isEmpty() && (k.equals(base) || base.startsWith(k + ".") || k.startsWith(base + "."))) {
                found = o;
            }
        }
        return found;
    }
}
