package rsarl.rollout.candidates;

import com.fasterxml.jackson.databind.node.ObjectNode;
import rsarl.rewards.Problem;
import rsarl.rewards.Verifier;
import rsarl.rollout.backend.Backend;
import rsarl.rollout.backend.BackendFactory;
import rsarl.rollout.config.CandidatesConfig;
import rsarl.rollout.config.ConfigLoader;
import rsarl.rollout.eval.ProblemSet;
import rsarl.rollout.eval.RunManifest;
import rsarl.rollout.rsa.GenerationLog;
import rsarl.rollout.rsa.RsaLoop;
import rsarl.rollout.rsa.StateMetrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * {@code rsa candidates}: the candidate pools of aggregation-aware training. A pool is exactly the
 * first RSA state with population M: M independent samples of the standard prompt per problem, with
 * the same derived request seeds. Each line of the output holds {@code problem_id}, {@code response},
 * {@code score} (plus {@code slot}, {@code extracted}, token counts); reruns resume like {@code rsa eval}.
 */
public final class CandidatePool {
    private final CandidatesConfig config;
    private final Function<Path, List<Problem>> problemReader;
    private final Function<String, Verifier> verifiers;
    private final BackendFactory backends;

    public CandidatePool(CandidatesConfig config, Function<Path, List<Problem>> problemReader,
                         Function<String, Verifier> verifiers, BackendFactory backends) {
        this.config = config;
        this.problemReader = problemReader;
        this.verifiers = verifiers;
        this.backends = backends;
    }

    /** Samples the missing candidates; returns the pool's metrics (pass@1 = mean score of the pool). */
    public StateMetrics run(RsaLoop.Listener progress) {
        if ("local".equals(config.backend().type())) {
            rsarl.rollout.backend.LocalEngine.device(config.backend().device()); // fails before anything is created
        }
        if (config.data().generate() != null) {
            rsarl.rollout.assets.Assets.ensureProblems(Path.of(config.data().path()), config.data().generate(),
                    System.err);
        }
        List<Problem> problems = ProblemSet.load(config.data(), problemReader);
        int m = config.candidates().perProblem();
        Path output = Path.of(config.output()).toAbsolutePath();
        try {
            Files.createDirectories(output.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("output: cannot create " + output.getParent() + ": " + e.getMessage(), e);
        }
        RunManifest.writeOrCheck(output.resolveSibling(output.getFileName() + ".run.json"), identity(config));
        RsaLoop.Settings settings = new RsaLoop.Settings(m, 1, 1, config.sampling().toParams());
        try (GenerationLog log = GenerationLog.open(output);
             Backend backend = backends.open(config.backend())) {
            return new RsaLoop(backend, verifiers, settings).run(problems, config.seed(), log, progress).get(0);
        }
    }

    /** What decides a pool's contents; a rerun into the same file must agree on it. */
    static ObjectNode identity(CandidatesConfig c) {
        ObjectNode tree = ConfigLoader.toTree(c);
        ObjectNode id = tree.objectNode();
        id.putObject("backend").put("type", c.backend().type()).put("model", c.backend().model());
        id.putObject("data").put("path", c.data().path()).put("task", c.data().task());
        id.set("sampling", tree.get("sampling"));
        id.put("seed", c.seed());
        id.put("per_problem", c.candidates().perProblem());
        return id;
    }
}
