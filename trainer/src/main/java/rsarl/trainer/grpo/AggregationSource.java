package rsarl.trainer.grpo;

/** Where the K candidates of an aggregation prompt come from (config key {@code aggregation.source}). */
public enum AggregationSource {
    /** Pre-generated candidate pools ({@code data.pools}). */
    POOL,
    /** Fresh samples of the current policy. */
    POLICY
}
