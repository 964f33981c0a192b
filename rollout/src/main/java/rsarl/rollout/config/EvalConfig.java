package rsarl.rollout.config;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.nio.file.Path;
import java.util.List;

/**
 * The config of {@code rsa eval}. {@code seeds} (when given) runs every listed seed, otherwise
 * {@code seed} alone (default 1234).
 */
public record EvalConfig(BackendConfig backend, DataConfig data, RsaConfig rsa, SamplingConfig sampling,
                         Long seed, List<Long> seeds, String outputDir) {
    public EvalConfig {
        Check.required("backend", backend);
        Check.required("data", data);
        Check.required("output_dir", outputDir);
        rsa = Check.or(rsa, RsaConfig.defaults());
        sampling = Check.or(sampling, SamplingConfig.defaults());
        seed = Check.or(seed, 1234L);
        if (seeds != null) {
            if (seeds.isEmpty()) {
                throw new IllegalArgumentException("seeds: must list at least one seed");
            }
            if (seeds.stream().distinct().count() != seeds.size()) {
                throw new IllegalArgumentException("seeds: must be distinct, got " + seeds);
            }
            seeds = List.copyOf(seeds);
        }
    }

    /** The seeds to run, in order. */
    @JsonIgnore
    public List<Long> seedList() {
        return seeds != null ? seeds : List.of(seed);
    }

    @JsonIgnore
    public Path outputPath() {
        return Path.of(outputDir);
    }

    public static EvalConfig load(Path file, List<String> overrides) {
        return ConfigLoader.load(file, overrides, EvalConfig.class);
    }
}
