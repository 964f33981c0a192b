package rsarl.model;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python's str methods for Jinjava, which only knows Java's: chat templates call {@code startswith},
 * {@code endswith}, {@code split}, {@code strip}, {@code lstrip}, {@code rstrip}, {@code replace}, {@code upper},
 * {@code lower} and {@code title} on message contents the way Jinja2 (Python) allows. Any other call falls
 * through to Jinjava's own resolver.
 */
final class PyStringMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] types, Object[] params) {
        if (!(base instanceof String s) || method == null) {
            return null;
        }
        Object[] p = params == null ? new Object[0] : params;
        Object result = call(s, method.toString(), p);
        if (result != NOT_HANDLED) {
            context.setPropertyResolved(true);
            return result;
        }
        return null;
    }

    private static final Object NOT_HANDLED = new Object();

    private static Object call(String s, String name, Object[] p) {
        String a = p.length > 0 && p[0] != null ? p[0].toString() : null;
        switch (name) {
            case "startswith":
                return p.length == 1 && a != null ? s.startsWith(a) : NOT_HANDLED;
            case "endswith":
                return p.length == 1 && a != null ? s.endsWith(a) : NOT_HANDLED;
            case "strip":
                return p.length <= 1 ? rstrip(lstrip(s, a), a) : NOT_HANDLED;
            case "lstrip":
                return p.length <= 1 ? lstrip(s, a) : NOT_HANDLED;
            case "rstrip":
                return p.length <= 1 ? rstrip(s, a) : NOT_HANDLED;
            case "split":
                return p.length <= 1 ? split(s, a) : NOT_HANDLED;
            case "replace":
                return p.length == 2 && a != null && p[1] != null ? s.replace(a, p[1].toString()) : NOT_HANDLED;
            case "upper":
                return p.length == 0 ? s.toUpperCase(java.util.Locale.ROOT) : NOT_HANDLED;
            case "lower":
                return p.length == 0 ? s.toLowerCase(java.util.Locale.ROOT) : NOT_HANDLED;
            default:
                return NOT_HANDLED;
        }
    }

    /** Python's {@code str.lstrip(chars)}; {@code chars == null} strips whitespace. */
    static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length() && stripped(s.charAt(i), chars)) {
            i++;
        }
        return s.substring(i);
    }

    static String rstrip(String s, String chars) {
        int j = s.length();
        while (j > 0 && stripped(s.charAt(j - 1), chars)) {
            j--;
        }
        return s.substring(0, j);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? Character.isWhitespace(c) || Character.isSpaceChar(c) : chars.indexOf(c) >= 0;
    }

    /** Python's {@code str.split(sep)}: every piece kept, empty ones too; no separator splits on whitespace runs. */
    static List<String> split(String s, String sep) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            for (String piece : s.strip().split("\\s+")) {
                if (!piece.isEmpty()) {
                    out.add(piece);
                }
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int from = 0;
        for (int at = s.indexOf(sep); at >= 0; at = s.indexOf(sep, from)) {
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
