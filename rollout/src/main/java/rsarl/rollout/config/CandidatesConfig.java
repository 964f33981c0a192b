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
        Check.required("backend", backend);
        Check.required("data", data);
        Check.required("output", output);
        sampling = Check.or(sampling, SamplingConfig.defaults());
        seed = Check.or(seed, 1234L);
        candidates = Check.or(candidates, new Section(null));
    }

    public static CandidatesConfig load(Path file, List<String> overrides) {
        ConfigInput in = ConfigInput.read(file, overrides, List.of());
        CandidatesConfig c = in.bind(CandidatesConfig.class, null);
        in.errors().throwIfAny();
        return c;
    }
}
