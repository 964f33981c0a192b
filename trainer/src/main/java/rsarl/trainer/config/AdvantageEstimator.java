package rsarl.trainer.config;

/** How per-completion advantages are estimated from a group of rewards (config key {@code advantage}). */
public enum AdvantageEstimator {
    /** {@code A_i = (r_i - mean(r)) / (std(r) + eps)}, std chosen by {@link ScaleRewards}. */
    GRPO,
    /** Leave-one-out baseline: {@code A_i = r_i - mean_{j != i} r_j}. */
    RLOO,
    /** Dr. GRPO: {@code A_i = r_i - mean(r)}, never divided by a std. */
    DR_GRPO;

    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
