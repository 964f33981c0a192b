package rsarl.trainer.grpo;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import rsarl.model.QwenModel;
import rsarl.model.QwenTokenizer;
import rsarl.rewards.Problem;
import rsarl.rewards.ProblemReader;
import rsarl.rewards.Verifier;
import rsarl.rewards.Verifiers;
import rsarl.rollout.assets.Assets;
import rsarl.rollout.backend.LocalBackend;
import rsarl.rollout.backend.LocalEngine;
import rsarl.rollout.candidates.PoolFile;
import rsarl.rollout.config.EvalConfig;
import rsarl.rollout.eval.EvalRun;
import rsarl.rollout.prompt.AggregationTemplate;
import rsarl.rollout.rsa.RsaLoop;
import rsarl.rollout.rsa.StateMetrics;
import rsarl.trainer.config.ModelDtype;
import rsarl.trainer.config.TrainConfig;
import rsarl.trainer.engine.PolicyPublisher;
import rsarl.trainer.engine.RolloutServer;
import rsarl.trainer.engine.ServerRollouts;
import rsarl.trainer.model.LoraModel;
import rsarl.trainer.model.QwenModels;
import rsarl.trainer.model.QwenPolicy;
import rsarl.trainer.model.TrainableModel;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code rsa train} on a Qwen model: creates missing inputs ({@link Assets}), reads problems and pools, plans batches,
 * samples with {@link QwenRollouts}, and runs {@link GrpoTrainer} (checkpoints, metrics, resume), with an optional
 * RSA evaluation of the current weights every {@code eval.every_steps}.
 */
public final class TrainRun {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String EVAL_METRICS = "eval_metrics.jsonl";

    private TrainRun() {}

    /** Creates whatever the config says to create when missing: model, problems, pools (in that order). */
    public static void prepareAssets(TrainConfig cfg, PrintStream log) {
        if (cfg.init() != null) {
            Assets.ensureModel(Path.of(cfg.model()), cfg.init(), log);
        }
        TrainConfig.Data d = cfg.data();
        if (d.generate() != null) {
            Assets.ensureProblems(Path.of(d.problems()), d.generate(), log);
        }
        if (needsPools(cfg) && d.poolsGenerate() != null) {
            Assets.ensurePools(Path.of(d.pools()), Path.of(cfg.refModelOrDefault()), Path.of(d.problems()), d.task(),
                    cfg.device(), d.poolsGenerate(), cfg.maxCompletionLength(), log);
        }
    }

    static boolean needsPools(TrainConfig cfg) {
        return cfg.aggregation().source() == AggregationSource.POOL
                && BatchPlanner.aggregationCount(cfg.perDeviceTrainBatchSize(), cfg.aggregation().ratio()) > 0;
    }

    /** Trains to {@code max_steps} (or stops after step {@code stopAfter}; -1 for none); returns the last step. */
    public static long run(TrainConfig cfg, PrintStream log, long stopAfter) throws IOException {
        EvalConfig evalCfg = cfg.eval() != null && cfg.eval().everySteps() > 0
                ? EvalConfig.load(Path.of(cfg.eval().config()), List.of("output_dir=unused")) : null;
        Device device = QwenModels.device(cfg.device()); // before creating anything: one line for cuda on the CPU build
        prepareAssets(cfg, log);
        // Problems without a task of their own get data.task; a mixed file (math + puzzles) keeps each line's.
        List<Problem> problems = ProblemReader.read(Path.of(cfg.data().problems()), cfg.data().task(),
                cfg.data().fields());
        Map<String, Verifier> verifiers = new java.util.HashMap<>();
        for (Problem p : problems) {
            try {
                verifiers.computeIfAbsent(p.task(), Verifiers::forTask);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("data.path: problem '" + p.id() + "': " + e.getMessage(), e);
            }
        }
        List<List<String>> pools = needsPools(cfg) ? pools(Path.of(cfg.data().pools()), problems) : null;
        BatchPlanner planner = new BatchPlanner(problems.size(), cfg.perDeviceTrainBatchSize(),
                cfg.aggregation().ratio(), cfg.aggregation().k(), cfg.aggregation().source(),
                pools == null ? null : pools.stream().mapToInt(List::size).toArray(),
                problems.stream().map(Problem::id).toList(), cfg.seed());
        try (QwenTokenizer tok = QwenModels.tokenizer(cfg.model(), "model");
             QwenModel model = QwenModels.load(cfg.model(), device, "model", ModelDtype.of(cfg.dtype()));
             QwenModel refModel = cfg.beta() > 0 ? QwenModels.load(cfg.refModelOrDefault(), device, "ref_model")
                     : null) {
            TrainableModel policy = QwenModels.trainable(model, cfg.lora(), cfg.seed(), device, cfg.gradientCheckpointing());
            RolloutServer server = null;
            try {
                QwenRollouts.Weights weights = policy instanceof LoraModel lm
                        ? scratch -> model.withWeights(lm.lora().merged(model.parameters(), scratch))
                        : scratch -> model;
                QwenRollouts.Scorer scorer = (p, text) -> verifiers.get(p.task()).grade(text, p).score();
                QwenRollouts.Settings settings = new QwenRollouts.Settings(cfg.maxPromptLength(),
                        cfg.maxCompletionLength(), cfg.temperature(), cfg.topP(), cfg.generationBatchSize(),
                        AggregationTemplate.resolve(cfg.aggregation().template()),
                        cfg.aggregation().shuffleCandidates());
                Rollouts rollouts;
                if (cfg.rollout().remote()) {
                    server = new RolloutServer(cfg.rollout(), model.config().vocabSize(), log);
                    RolloutServer s = server;
                    PolicyPublisher publisher = new PolicyPublisher(s, cfg.rollout(), syncDir(cfg), policy,
                            s.servedModel(), log);
                    rollouts = new ServerRollouts(s, publisher, cfg.rollout().maxStaleness(),
                            sampler -> QwenRollouts.withSampler(sampler, tok, problems, pools, scorer, settings,
                                    log));
                } else {
                    rollouts = new QwenRollouts(weights, tok, problems, pools, scorer, settings, log);
                }
                GrpoTrainer trainer = new GrpoTrainer(cfg, planner, policy,
                        refModel == null ? null : new QwenPolicy(refModel, false), rollouts, QwenModels.padId(tok), log);
                if (evalCfg != null) {
                    trainer.afterStep(step -> {
                        if (step % cfg.eval().everySteps() == 0 || step == cfg.maxSteps()) {
                            evaluate(cfg, evalCfg, step, weights, tok, log);
                        }
                    });
                }
                return trainer.run(stopAfter);
            } finally {
                if (server != null) {
                    server.close();
                }
                QwenModels.closeIfNeeded(policy);
            }
        }
    }

    /** {@code rollout.sync_dir}, default {@code <output_dir>/policy}. */
    static Path syncDir(TrainConfig cfg) {
        String d = cfg.rollout().syncDir();
        return d == null || d.isBlank() ? Path.of(cfg.outputDir()).resolve("policy") : Path.of(d);
    }

    /** Candidate texts per problem, in problem order; errors name the pools file and a problem without a pool. */
    static List<List<String>> pools(Path file, List<Problem> problems) {
        Map<String, List<PoolFile.Candidate>> byId = PoolFile.read(file);
        List<List<String>> out = new ArrayList<>();
        for (Problem p : problems) {
            List<PoolFile.Candidate> c = byId.get(p.id());
            if (c == null) {
                throw new IllegalArgumentException("data.pools: " + file + " has no candidates for problem '" + p.id()
                        + "'");
            }
            out.add(c.stream().map(PoolFile.Candidate::response).toList());
        }
        return out;
    }

    /**
     * RSA evaluation of the current weights (the eval config's data, rsa and sampling; its backend is replaced by
     * the in-process model) into {@code output_dir/eval/step-<N>/}; one line per evaluation goes to
     * {@code output_dir/eval_metrics.jsonl}.
     */
    private static void evaluate(TrainConfig cfg, EvalConfig base, long step, QwenRollouts.Weights weights,
            QwenTokenizer tok, PrintStream log) throws IOException {
        Path out = Path.of(cfg.outputDir()).resolve("eval").resolve("step-" + step);
        EvalConfig ec = new EvalConfig(base.backend(), base.data(), base.rsa(), base.sampling(), base.seed(),
                base.seeds(), out.toString());
        List<StateMetrics> metrics;
        try (NDManager scratch = NDManager.newBaseManager()) {
            QwenModel current = weights.current(scratch);
            metrics = new EvalRun(ec, ProblemReader::read, Verifiers::forTask,
                    b -> LocalBackend.over(LocalEngine.over(Path.of(cfg.model()), current, tok), b))
                    .run(RsaLoop.Listener.NONE);
        }
        ObjectNode line = JSON.createObjectNode();
        line.put("step", step);
        var states = line.putArray("states");
        for (StateMetrics m : metrics) {
            ObjectNode s = states.addObject();
            s.put("seed", m.seed());
            s.put("rsa_step", m.step());
            s.put("pass1", m.pass1());
            s.put("majority", m.majority());
            s.put("pass_n", m.passN());
        }
        StateMetrics last = metrics.get(metrics.size() - 1);
        line.put("final_pass1", last.pass1());
        line.put("first_pass1", metrics.get(0).pass1());
        Files.writeString(Path.of(cfg.outputDir()).resolve(EVAL_METRICS), JSON.writeValueAsString(line) + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        log.println(String.format(java.util.Locale.ROOT, "eval at step %d: pass@1 %.4f (first RSA state) -> %.4f"
                + " (last)", step, metrics.get(0).pass1(), last.pass1()));
    }
}
