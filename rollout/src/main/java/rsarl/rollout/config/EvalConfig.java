package rsarl.rollout.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import rsarl.rollout.assets.Assets;

import java.nio.file.Path;
import java.util.List;

/**
 * The config of {@code rsa eval}. {@code seeds} (when given) runs every listed seed, otherwise
 * {@code seed} alone (default 1234). {@code init} (local backends) and {@code data.generate} create the model
 * folder and the problems file when they are missing ({@link Assets}).
 */
public record EvalConfig(BackendConfig backend, DataConfig data, RsaConfig rsa, SamplingConfig sampling,
                         Long seed, List<Long> seeds, String outputDir, Assets.ModelInit init) {
    public EvalConfig {
        if (init != null && backend != null && !"local".equals(backend.type())) {
            throw new IllegalArgumentException("init: creates a local model folder; backend.type must be local, got '"
                    + backend.type() + "'");
        }
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
        // last: a missing key sets its section aside, which would hide the checks after it
        Check.required("backend", backend);
        Check.required("data", data);
        Check.required("output_dir", outputDir);
    }

    public EvalConfig(BackendConfig backend, DataConfig data, RsaConfig rsa, SamplingConfig sampling,
                      Long seed, List<Long> seeds, String outputDir) {
        this(backend, data, rsa, sampling, seed, seeds, outputDir, null);
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

    /** Reads, binds and checks {@code file} with the overrides; every problem is reported at once. */
    public static EvalConfig load(Path file, List<String> overrides) {
        return load(file, overrides, false);
    }

    /** As {@link #load(Path, List)}, for a run now: the problems file and local model folder must also be there. */
    public static EvalConfig loadToRun(Path file, List<String> overrides) {
        return load(file, overrides, true);
    }

    private static EvalConfig load(Path file, List<String> overrides, boolean toRun) {
        ConfigInput in = ConfigInput.read(file, overrides, List.of());
        Assets.checkInitTarget(in.tree(), "/backend/model", "backend.model", in.errors());
        EvalConfig c = in.bind(EvalConfig.class, null);
        if (c != null && toRun) {
            c.data().checkFile(in.errors(), "data");
            c.backend().checkLocal(in.errors(), "backend", c.init() != null || in.errors().covered("init"));
        }
        in.errors().throwIfAny();
        return c;
    }
}
