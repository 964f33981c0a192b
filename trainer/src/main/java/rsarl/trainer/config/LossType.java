package rsarl.trainer.config;

/** How per-token surrogate losses are reduced to one scalar (config key {@code loss_type}, TRL semantics). */
public enum LossType {
    /** Token-level: sum over every completion token of the batch / number of those tokens. */
    DAPO,
    /** Sequence-level: mean over each sequence's tokens, then mean over sequences. */
    GRPO,
    /** Constant normaliser: sum over all tokens / (sequences * max_completion_length). */
    DR_GRPO;

    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
