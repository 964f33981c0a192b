package rsarl.rewards;

/**
 * A verifier's verdict on one response.
 *
 * @param score     reward in [0, 1]; 1 means fully correct (partial credit possible for some puzzles)
 * @param extracted the answer extracted from the response, or null when none could be found
 * @param reason    a short human-readable explanation (e.g. "no \\boxed{} found", "2 of 3 tests passed")
 */
public record Grade(double score, String extracted, String reason) {
    public Grade {
        if (!(score >= 0 && score <= 1)) {
            throw new IllegalArgumentException("score must be in [0,1], got " + score);
        }
    }

    public boolean correct() {
        return score >= 1.0;
    }
}
