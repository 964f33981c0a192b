package rsarl.trainer.grpo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.model.QwenModel;
import rsarl.model.SamplingParams;
import rsarl.rollout.backend.LocalEngine;
import rsarl.rollout.serve.OpenAiServer;
import rsarl.rollout.serve.ServeOptions;
import rsarl.trainer.TinyQwen;
import rsarl.trainer.config.TrainConfig;
import rsarl.trainer.engine.PolicyPublisher;
import rsarl.trainer.engine.RolloutServer;
import rsarl.trainer.model.QwenModels;
import rsarl.trainer.model.TrainableModel;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GRPO with LoRA whose every rollout is sampled by {@code rsa serve} from the adapter of the newest policy version
 * (reward: the first completion token is even, so every step has a gradient). Synced, the server's log-probs are the
 * trainer's own at every step (mismatch ~1e-7, ratio 1) while the weights move; with the server left on version 0 the
 * same run shows a mismatch from step 2 on, as the importance correction's metrics must.
 */
class ServerLearningTest {
    private record Run(List<Double> diffs, List<Double> ratios) {}

    private static Run train(Path dir, String out, boolean sync) throws IOException {
        Path modelDir = dir.resolve("model");
        if (!Files.exists(modelDir)) {
            TinyQwen.create(modelDir, 2);
            Files.writeString(dir.resolve("problems.jsonl"), "{}\n");
        }
        int[] prompt = {5, 9};
        try (LocalEngine engine = LocalEngine.load(modelDir, "cpu");
             OpenAiServer server = OpenAiServer.start(engine, ServeOptions.defaults("tiny", 0).withMaxBatch(32))) {
            Path f = dir.resolve(out + ".yaml");
            Files.writeString(f, "model: " + modelDir + "\noutput_dir: " + dir.resolve(out) + "\ndata:\n"
                    + "  problems: " + dir.resolve("problems.jsonl") + "\naggregation: {ratio: 0.0}\n"
                    + "num_generations: 8\nbatch_size: 4\nmax_completion_length: 2\nlearning_rate: 0.05\n"
                    + "lr_scheduler_type: constant\nadvantage: grpo\nmax_steps: 8\nsave_steps: 8\nseed: 3\n"
                    + "lora: {rank: 8, alpha: 16, target_modules: [q_proj, v_proj, o_proj, down_proj]}\n"
                    + "rollout: {engine: vllm, base_url: \"" + server.baseUrl() + "\", importance_correction: none}\n");
            TrainConfig cfg = TrainConfig.load(f, List.of());
            PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
            try (QwenModel model = QwenModel.load(modelDir);
                 RolloutServer rs = new RolloutServer(cfg.rollout(), model.config().vocabSize(), quiet)) {
                TrainableModel policy = QwenModels.trainable(model, cfg.lora(), cfg.seed(), ai.djl.Device.cpu());
                PolicyPublisher pub = new PolicyPublisher(rs, cfg.rollout(), dir.resolve(out + "-policy"), policy,
                        rs.servedModel(), quiet);
                Rollouts rollouts = new Rollouts() {
                    @Override
                    public Result rollout(long step, List<BatchPlanner.PromptPlan> plans, int g, long stepSeed)
                            throws IOException {
                        long version = pub.latest();
                        List<GenerationRequest> reqs = new ArrayList<>();
                        for (int p = 0; p < plans.size(); p++) {
                            for (int i = 0; i < g; i++) {
                                // the rows of a prompt go out as one request (n = G, the first row's seed)
                                reqs.add(new GenerationRequest(prompt, SamplingParams.of(1.0, 1.0, 2),
                                        QwenRollouts.requestSeed(stepSeed, p, 0)));
                            }
                        }
                        List<Completion> cs = rs.generate(pub.modelFor(version), reqs);
                        List<Group> groups = new ArrayList<>();
                        for (int p = 0; p < plans.size(); p++) {
                            double[] r = new double[g];
                            for (int i = 0; i < g; i++) {
                                r[i] = cs.get(p * g + i).tokenIds()[0] % 2 == 0 ? 1 : 0;
                            }
                            groups.add(new Group(plans.get(p).kind(), prompt, cs.subList(p * g, (p + 1) * g), r));
                        }
                        return new Result(groups, 0, 0, version);
                    }

                    @Override
                    public void policyUpdated(long version) throws IOException {
                        if (sync || version == 0) {
                            pub.publish(version);
                        }
                    }
                };
                BatchPlanner planner = new BatchPlanner(1, 4, 0, 1, AggregationSource.POOL, null, null, cfg.seed());
                new GrpoTrainer(cfg, planner, policy, null, rollouts, 0, quiet).run(-1);
                QwenModels.closeIfNeeded(policy);
            }
        }
        Run run = new Run(new ArrayList<>(), new ArrayList<>());
        for (String line : Files.readAllLines(dir.resolve(out).resolve("metrics.jsonl"))) {
            com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
            run.diffs().add(n.get("sampler_logprob_abs_diff").asDouble());
            run.ratios().add(n.get("importance_ratio_mean").asDouble());
        }
        return run;
    }

    @Test
    void theServerSamplesFromEveryNewVersion(@TempDir Path dir) throws IOException {
        Run synced = train(dir, "synced", true);
        Run frozen = train(dir, "frozen", false);
        assertTrue(synced.diffs().stream().allMatch(d -> d < 1e-4), "synced: " + synced.diffs());
        assertTrue(synced.ratios().stream().allMatch(r -> Math.abs(r - 1) < 1e-3), "synced: " + synced.ratios());
        assertTrue(frozen.diffs().get(0) < 1e-4, "step 1 samples version 0 either way: " + frozen.diffs());
        assertTrue(frozen.diffs().subList(1, frozen.diffs().size()).stream().allMatch(d -> d > 1e-2),
                "from step 2 on the stale server's samples are another policy's: " + frozen.diffs());
    }
}
