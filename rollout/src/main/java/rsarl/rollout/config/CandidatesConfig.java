package rsarl.rollout.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The config of {@code rsa candidates}: per problem, {@code candidates.per_problem} solutions sampled
 * from the backend's model (the frozen reference of aggregation-aware training), written to {@code output}.
 */
public record CandidatesConfig(BackendConfig backend, DataConfig data, SamplingConfig sampling, Long seed,
                               Section candidates, String output) {

    /** @param perProblem solutions per problem (M; at least the K of the aggregation prompts) */
    public record Section(Integer perProblem) {
        public Section {
            perProblem = Check.or(perProblem, 8);
            Check.atLeast("per_problem", perProblem, 1);
        }
    }

    public CandidatesConfig {
        sampling = Check.or(sampling, SamplingConfig.defaults());
        seed = Check.or(seed, 1234L);
        candidates = Check.or(candidates, new Section(null));
        Check.required("backend", backend);
        Check.required("data", data);
        Check.required("output", output);
    }

    public static CandidatesConfig load(Path file, List<String> overrides) {
        return load(file, overrides, false);
    }

    /** As {@link #load(Path, List)}, for a run now: the problems file and local model folder must also be there. */
    public static CandidatesConfig loadToRun(Path file, List<String> overrides) {
        return load(file, overrides, true);
    }

    private static CandidatesConfig load(Path file, List<String> overrides, boolean toRun) {
        ConfigInput in = ConfigInput.read(file, overrides, List.of());
        CandidatesConfig c = in.bind(CandidatesConfig.class, null);
        if (c != null && toRun) {
            c.data().checkFile(in.errors(), "data");
            c.backend().checkLocal(in.errors(), "backend", false);
        }
        in.errors().throwIfAny();
        return c;
    }
}
