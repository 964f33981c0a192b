package rsarl.model;

import java.util.Arrays;
import java.util.function.Function;

/**
 * Text of a growing list of generated ids, released only once it is final: byte-level BPE can split one
 * UTF-8 character over several tokens, and a prefix decodes to U+FFFD until the last piece arrives.
 * Each step decodes only a short window (the tokens since the last release, plus the ones before them as
 * context), so checking stop strings costs O(1) per token instead of decoding everything again.
 */
public final class Detokenizer {
    private static final char REPLACEMENT = '\uFFFD';

    private final Function<int[], String> decode;
    private int[] ids = new int[64];
    private int size;
    /** Window start: tokens before it are released and not decoded again. */
    private int prefixOffset;
    /** Tokens before this offset have had their text released. */
    private int readOffset;
    private final StringBuilder text = new StringBuilder();

    /** @param decode full decode of an id array, special tokens kept (e.g. {@code tokenizer::decode}) */
    public Detokenizer(Function<int[], String> decode) {
        this.decode = decode;
    }

    public Detokenizer(QwenTokenizer tokenizer) {
        this(tokenizer::decode);
    }

    /** Adds one id; returns the text it made final (often empty while a character is incomplete). */
    public String append(int id) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = id;
        String prefix = decode.apply(Arrays.copyOfRange(ids, prefixOffset, readOffset));
        String full = decode.apply(Arrays.copyOfRange(ids, prefixOffset, size));
        if (full.length() <= prefix.length() || full.charAt(full.length() - 1) == REPLACEMENT) {
            return "";
        }
        String delta = full.substring(prefix.length());
        prefixOffset = readOffset;
        readOffset = size;
        text.append(delta);
        return delta;
    }

    /** Releases whatever is still held back (an incomplete character shows as U+FFFD) and returns it. */
    public String flush() {
        if (readOffset == size) {
            return "";
        }
        String prefix = decode.apply(Arrays.copyOfRange(ids, prefixOffset, readOffset));
        String full = decode.apply(Arrays.copyOfRange(ids, prefixOffset, size));
        String delta = full.length() > prefix.length() ? full.substring(prefix.length()) : "";
        prefixOffset = readOffset;
        readOffset = size;
        text.append(delta);
        return delta;
    }

    /** The released text so far. */
    public String text() {
        return text.toString();
    }

    /** Number of ids appended. */
    public int size() {
        return size;
    }

    /** The ids appended so far. */
    public int[] ids() {
        return Arrays.copyOf(ids, size);
    }
}
