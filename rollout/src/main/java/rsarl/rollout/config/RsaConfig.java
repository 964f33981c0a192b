package rsarl.rollout.config;

import rsarl.rollout.prompt.AggregationTemplate;

/**
 * Recursive Self-Aggregation shape: population N, subset size K, population states T, and the aggregation
 * prompt's template ({@link AggregationTemplate}: {@code default}, {@code compact} or a YAML file).
 * K=1 is sequential self-refinement, T=1 plain parallel sampling.
 */
public record RsaConfig(Integer population, Integer k, Integer steps, String template) {
    public RsaConfig(Integer population, Integer k, Integer steps) {
        this(population, k, steps, null);
    }

    public RsaConfig {
        template = Check.or(template, AggregationTemplate.DEFAULT_NAME);
        AggregationTemplate.resolve(template, "template");
        population = Check.or(population, 16);
        k = Check.or(k, 4);
        steps = Check.or(steps, 10);
        Check.atLeast("population", population, 1);
        Check.atLeast("k", k, 1);
        Check.atLeast("steps", steps, 1);
        if (k > population) {
            throw new IllegalArgumentException("k: must be <= population (" + population + "), got " + k);
        }
    }

    public static RsaConfig defaults() {
        return new RsaConfig(null, null, null);
    }
}
