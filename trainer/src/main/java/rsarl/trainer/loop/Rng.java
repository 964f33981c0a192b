package rsarl.trainer.loop;

/**
 * SplitMix64 generator whose whole state is one {@code long}, so it can be checkpointed and restored exactly
 * ({@link java.util.Random} and {@link java.util.SplittableRandom} hide theirs). Torch's generator state is not
 * reachable through DJL, so anything stochastic on the torch side is re-seeded from one of these per step instead.
 */
public final class Rng {
    private long state;

    public Rng(long state) {
        this.state = state;
    }

    /** A generator for a named stream of a run, independent of the other streams for the same seed. */
    public static Rng forStream(long seed, String stream) {
        return new Rng(mix(seed ^ mix(stream.hashCode() * 0x9E3779B97F4A7C15L)));
    }

    /** The full state; {@code new Rng(state())} continues the same sequence. */
    public long state() {
        return state;
    }

    public long nextLong() {
        state += 0x9E3779B97F4A7C15L;
        return mix(state);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, bound) without modulo bias. */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive: " + bound);
        }
        long bits;
        long val;
        do { // reject the top partial block of the 63-bit range (overflow test as in java.util.Random)
            bits = nextLong() >>> 1;
            val = bits % bound;
        } while (bits - val + (bound - 1) < 0);
        return (int) val;
    }

    /** Fisher-Yates shuffle in place. */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
