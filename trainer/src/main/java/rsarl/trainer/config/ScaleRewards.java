package rsarl.trainer.config;

/** Which standard deviation divides GRPO's centred rewards (config key {@code scale_rewards}, TRL semantics). */
public enum ScaleRewards {
    /** std of the completion's own group. */
    GROUP,
    /** std of every reward in the batch (centring stays per group). */
    BATCH,
    /** no division: centred rewards only. */
    NONE;

    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
