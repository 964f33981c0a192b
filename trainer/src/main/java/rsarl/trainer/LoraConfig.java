package rsarl.trainer;

import java.util.List;

/**
 * {@code lora.*}: rank 0 disables LoRA (full fine-tuning).
 *
 * @param rank r of {@code B [out, r] A [r, in]}
 * @param alpha scale numerator: the update is {@code (alpha / r) B A}
 * @param targetModules linear layers that get adapters, matched against the last name part ({@code q_proj}...)
 */
public record LoraConfig(int rank, double alpha, List<String> targetModules) {
    public LoraConfig {
        targetModules = targetModules == null ? List.of() : List.copyOf(targetModules);
    }

    public boolean enabled() {
        return rank > 0;
    }

    void validate(ConfigChecks c) {
        c.nonNegative(rank, "lora.rank");
        if (enabled()) {
            c.check(alpha > 0, "lora.alpha", "must be > 0, got " + alpha);
            c.check(!targetModules.isEmpty(), "lora.target_modules", "must name at least one module");
        }
    }
}
