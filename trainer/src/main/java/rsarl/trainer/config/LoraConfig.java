package rsarl.trainer.config;

import java.util.List;

/**
 * {@code lora.*}: rank 0 disables LoRA (full fine-tuning).
 *
 * @param rank r of {@code B [out, r] A [r, in]}
 * @param alpha scale numerator: the update is {@code (alpha / r) B A}
 * @param targetModules linear layers that get adapters, matched against the last name part ({@code q_proj}...)
 * @param initFrom a PEFT adapter folder (TRL, peft, this project's {@code checkpoint-N/adapter}) whose A and B the
 *        run starts from instead of the fresh init; null for none
 */
public record LoraConfig(int rank, double alpha, List<String> targetModules, String initFrom) {
    public LoraConfig {
        targetModules = targetModules == null ? List.of() : List.copyOf(targetModules);
    }

    public LoraConfig(int rank, double alpha, List<String> targetModules) {
        this(rank, alpha, targetModules, null);
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
        if (initFrom != null) {
            c.check(enabled(), "lora.init_from", "needs lora.rank > 0");
            c.check(rsarl.model.peft.PeftAdapter.isAdapter(java.nio.file.Path.of(initFrom)), "lora.init_from",
                    "is not a PEFT adapter folder (no adapter_config.json): " + initFrom);
        }
    }
}
