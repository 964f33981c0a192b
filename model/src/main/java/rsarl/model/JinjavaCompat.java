package rsarl.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites the two Jinja2 forms in Hugging Face chat templates that Jinjava parses differently, before rendering:
 * <ul>
 *   <li>{@code x[::-1]} (extended slice; Jinjava has none) becomes {@code (x|reverse)};</li>
 *   <li>keyword arguments {@code k=expr} inside {@code namespace(...)} get parentheses, {@code k=(expr)}, because
 *       Jinjava binds {@code k=messages|length} before the {@code - 1} that follows.</li>
 * </ul>
 * Everything else is rendered by Jinjava as written.
 */
final class JinjavaCompat {
    private static final Pattern REVERSED = Pattern.compile("([\\w.\\]\\)'\"]+)\\[::-1\\]");
    private static final Pattern NAMESPACE = Pattern.compile("\\bnamespace\\(([^()]*)\\)");
    private static final Pattern KWARG = Pattern.compile("^\\s*(\\w+)\\s*=\\s*(.+?)\\s*$", Pattern.DOTALL);

    private JinjavaCompat() {
    }

    static String adapt(String template) {
        String t = REVERSED.matcher(template).replaceAll("($1|reverse)");
        Matcher m = NAMESPACE.matcher(t);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            StringBuilder args = new StringBuilder();
            for (String arg : m.group(1).split(",", -1)) {
                Matcher kw = KWARG.matcher(arg);
                if (args.length() > 0) {
                    args.append(", ");
                }
                args.append(kw.matches() ? kw.group(1) + "=(" + kw.group(2) + ")" : arg.strip());
            }
            m.appendReplacement(out, Matcher.quoteReplacement("namespace(" + args + ")"));
        }
        m.appendTail(out);
        return out.toString();
    }
}
