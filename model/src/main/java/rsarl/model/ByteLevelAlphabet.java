package rsarl.model;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte-to-character table used by Hugging Face's ByteLevel pre-tokenizer: printable Latin-1 bytes
 * stand for themselves, the other 68 bytes map to U+0100 onwards in byte order (so a space is 'Ġ').
 */
final class ByteLevelAlphabet {
    private static final char[] BYTE_TO_CHAR = new char[256];

    static {
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = (char) (printable ? b : next++);
        }
    }

    private ByteLevelAlphabet() {
    }

    static char charOf(int unsignedByte) {
        return BYTE_TO_CHAR[unsignedByte];
    }

    /** The vocabulary spelling of a byte sequence. */
    static String spell(byte[] bytes) {
        StringBuilder b = new StringBuilder(bytes.length);
        for (byte x : bytes) {
            b.append(BYTE_TO_CHAR[x & 0xFF]);
        }
        return b.toString();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
