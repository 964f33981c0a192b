package rsarl.rollout.rsa;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Random streams derived from (run seed, step, problem id, slot) alone, so a rerun or a resumed run
 * draws exactly the same subsets and sends exactly the same request seeds, whatever ran before.
 */
public final class DerivedSeeds {
    private static final long SUBSET = 0x5375627365744c4cL;
    private static final long REQUEST = 0x526571756573744cL;

    private DerivedSeeds() {
    }

    /** The random stream that draws the parents of one slot. */
    public static SplittableRandom subsetRandom(long seed, int step, String problemId, int slot) {
        return new SplittableRandom(mix(SUBSET, seed, step, hash(problemId), slot));
    }

    /** The sampling seed sent with one request, in [0, 2^31) so every server accepts it. */
    public static long requestSeed(long seed, int step, String problemId, int slot) {
        return mix(REQUEST, seed, step, hash(problemId), slot) >>> 33;
    }

    /** SplitMix64 chaining: each part is folded in and the state re-mixed. */
    public static long mix(long... parts) {
        long h = 0x9E3779B97F4A7C15L;
        for (long part : parts) {
            h = fmix(h ^ fmix(part + 0x9E3779B97F4A7C15L));
        }
        return h;
    }

    /** 64-bit FNV-1a of the UTF-8 bytes, re-mixed. */
    public static long hash(String text) {
        long h = 0xcbf29ce484222325L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return fmix(h);
    }

    private static long fmix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
