package rsarl.model;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte-level BPE training: start from the 256 byte tokens, repeatedly merge the most frequent adjacent pair
 * inside pre-tokenized words. Pairs touching a digit are never merged, so numbers stay one token per digit.
 * Ties break towards the smaller (left, right) id pair, which makes training deterministic.
 */
final class BpeTrainer {
    /** GPT-2's pre-tokenization, the one Hugging Face's ByteLevel pre-tokenizer applies with use_regex. */
    static final Pattern PRE_TOKENIZE = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** A learned merge of tokens {@code left} and {@code right} into {@code result}. */
    record Merge(int left, int right, int result) {
    }

    /** Learned vocabulary: token bytes by id (0..255 are the bytes) and merges in rank order. */
    record Result(List<byte[]> tokens, List<Merge> merges) {
    }

    private final List<byte[]> tokens = new ArrayList<>();
    private final Map<String, Integer> idOfSpelling = new HashMap<>();
    private final List<Boolean> hasDigit = new ArrayList<>();

    private BpeTrainer() {
        for (int b = 0; b < 256; b++) {
            addToken(new byte[] {(byte) b});
        }
    }

    /**
     * Learns merges until the vocabulary has {@code targetTokens} entries or no pair occurs twice.
     * {@code specials} are cut out of the texts first, as the tokenizer does before its BPE model.
     */
    static Result train(List<String> texts, int targetTokens, List<String> specials) {
        BpeTrainer t = new BpeTrainer();
        List<int[]> words = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        for (Map.Entry<String, Integer> e : countWords(texts, specials).entrySet()) {
            byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
            int[] ids = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                ids[i] = bytes[i] & 0xFF;
            }
            words.add(ids);
            counts.add(e.getValue());
        }
        List<Merge> merges = new ArrayList<>();
        while (t.tokens.size() < targetTokens) {
            long best = t.bestPair(words, counts);
            if (best < 0) {
                break;
            }
            int left = (int) (best >>> 32);
            int right = (int) best;
            int result = t.mergedToken(left, right);
            merges.add(new Merge(left, right, result));
            for (int w = 0; w < words.size(); w++) {
                words.set(w, applyMerge(words.get(w), left, right, result));
            }
        }
        return new Result(List.copyOf(t.tokens), List.copyOf(merges));
    }

    /** Pre-token frequencies, sorted so that training never depends on hash order. */
    static Map<String, Integer> countWords(List<String> texts, List<String> specials) {
        Map<String, Integer> counts = new TreeMap<>();
        String specialAlternation = specials.stream().map(Pattern::quote).reduce((a, b) -> a + "|" + b).orElse(null);
        for (String text : texts) {
            String[] pieces = specialAlternation == null ? new String[] {text} : text.split(specialAlternation, -1);
            for (String piece : pieces) {
                Matcher m = PRE_TOKENIZE.matcher(piece);
                while (m.find()) {
                    counts.merge(m.group(), 1, Integer::sum);
                }
            }
        }
        return counts;
    }

    /** The most frequent mergeable pair packed as (left << 32 | right), or -1 when none occurs twice. */
    private long bestPair(List<int[]> words, List<Integer> counts) {
        Map<Long, Integer> pairCounts = new HashMap<>();
        for (int w = 0; w < words.size(); w++) {
            int[] ids = words.get(w);
            int c = counts.get(w);
            for (int i = 0; i + 1 < ids.length; i++) {
                if (!hasDigit.get(ids[i]) && !hasDigit.get(ids[i + 1])) {
                    pairCounts.merge(((long) ids[i] << 32) | ids[i + 1], c, Integer::sum);
                }
            }
        }
        long best = -1;
        int bestCount = 1;
        for (Map.Entry<Long, Integer> e : pairCounts.entrySet()) {
            int c = e.getValue();
            if (c > bestCount || (c == bestCount && best >= 0 && e.getKey() < best)) {
                best = e.getKey();
                bestCount = c;
            }
        }
        return best;
    }

    /** Id of left+right; two merge paths can spell the same bytes, which then share one id. */
    private int mergedToken(int left, int right) {
        byte[] a = tokens.get(left);
        byte[] b = tokens.get(right);
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        Integer existing = idOfSpelling.get(ByteLevelAlphabet.spell(joined));
        return existing != null ? existing : addToken(joined);
    }

    private int addToken(byte[] bytes) {
        int id = tokens.size();
        tokens.add(bytes);
        idOfSpelling.put(ByteLevelAlphabet.spell(bytes), id);
        boolean digit = false;
        for (byte x : bytes) {
            digit |= x >= '0' && x <= '9';
        }
        hasDigit.add(digit);
        return id;
    }

    private static int[] applyMerge(int[] ids, int left, int right, int result) {
        int[] out = null;
        int n = 0;
        for (int i = 0; i < ids.length; i++) {
            if (i + 1 < ids.length && ids[i] == left && ids[i + 1] == right) {
                if (out == null) {
                    out = Arrays.copyOf(ids, ids.length);
                    n = i;
                }
                out[n++] = result;
                i++;
            } else if (out != null) {
                out[n++] = ids[i];
            }
        }
        return out == null ? ids : Arrays.copyOf(out, n);
    }
}
