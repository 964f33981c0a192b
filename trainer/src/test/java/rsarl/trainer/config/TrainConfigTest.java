package rsarl.trainer.config;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.rollout.config.ConfigLoader;
import rsarl.trainer.grpo.AggregationSource;
import rsarl.trainer.optim.AdamW;
import rsarl.trainer.optim.LrSchedule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainConfigTest {
    @TempDir
    Path dir;
    private String base;

    @BeforeEach
    void files() throws IOException {
        Files.createDirectories(dir.resolve("model"));
        Files.writeString(dir.resolve("problems.jsonl"), "{}\n");
        Files.writeString(dir.resolve("pools.jsonl"), "{}\n");
        base = "model: " + dir.resolve("model") + "\n"
                + "output_dir: " + dir.resolve("out") + "\n"
                + "data:\n  path: " + dir.resolve("problems.jsonl") + "\n  pools: " + dir.resolve("pools.jsonl")
                + "\n";
    }

    private Path write(String yaml) throws IOException {
        Path f = dir.resolve("train.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private String error(String yaml, String... overrides) throws IOException {
        Path f = write(yaml);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.load(f, List.of(overrides)));
        // Names the file, or the --set assignment that gave the key.
        assertTrue(e.getMessage().startsWith(f.toString()) || e.getMessage().startsWith("--set "), e.getMessage());
        return e.getMessage();
    }

    private String setError(String yaml, String override) throws IOException {
        Path f = write(yaml);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.load(f, List.of(override)));
        assertTrue(e.getMessage().startsWith("--set " + override), e.getMessage());
        return e.getMessage();
    }

    @Test
    void defaultsOverridesAndDerivedValues() throws IOException {
        Path f = write(base + "loss_type: dr_grpo\nnum_generations: 4\nepsilon_high: 0.28\nlora:\n  rank: 8\n");
        TrainConfig c = TrainConfig.load(f, List.of("aggregation.ratio=0.25", "batch_size=6",
                "lora.target_modules=[q_proj, v_proj]", "gradient_accumulation_steps=3"));
        assertEquals(LossType.DR_GRPO, c.lossType());
        assertEquals(AdvantageEstimator.GRPO, c.advantage());
        assertEquals(ScaleRewards.GROUP, c.scaleRewards());
        assertEquals(0.25, c.aggregation().ratio());
        assertEquals(4, c.aggregation().k());
        assertEquals(AggregationSource.POOL, c.aggregation().source());
        assertEquals(6, c.perDeviceTrainBatchSize());
        assertEquals(24, c.sequencesPerStep());
        assertEquals(8, c.microBatch());
        assertEquals(3, c.accumulationSteps());
        assertEquals(0.28, c.epsilonHighOrDefault());
        assertEquals(List.of("q_proj", "v_proj"), c.lora().targetModules());
        assertEquals(8, c.lora().rank());
        assertEquals(c.model(), c.refModelOrDefault());
        assertNull(c.resumeFrom());
        assertEquals(100, c.schedule().totalSteps());

        TrainConfig same = TrainConfig.load(f, List.of("aggregation.ratio=0.25", "batch_size=6",
                "lora.target_modules=[q_proj, v_proj]", "gradient_accumulation_steps=3", "resume=auto"));
        assertTrue(same.resumeAuto());
        assertEquals(c.hash(), same.hash(), "resume does not change the hash");
        TrainConfig other = TrainConfig.load(f, List.of("learning_rate=2e-6"));
        assertEquals("default", c.aggregation().template());
        assertEquals("compact", TrainConfig.load(f, List.of("aggregation.template=compact")).aggregation().template());
        assertNotEquals(c.hash(), other.hash());
        assertFalse(c.aggregation().shuffleCandidates());
        TrainConfig shuffled = TrainConfig.load(f, List.of("aggregation.shuffle_candidates=true"));
        assertTrue(shuffled.aggregation().shuffleCandidates());
        assertNotEquals(c.hash(), shuffled.hash(), "shuffling changes the run");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.load(f, List.of("aggregation.shuffle_candidates=sometimes")));
        assertTrue(bad.getMessage().contains("shuffle_candidates"), bad.getMessage());
    }

    @Test
    void deprecatedNamesStillWorkWithOneWarningEach() throws IOException {
        String old = base.replace("  path: ", "  problems: ") + "max_completion_length: 7\ntemperature: 0.5\ntop_p: 0.9\n"
                + "generation_batch_size: 3\nrollout: {request_timeout_s: 30}\n";
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.err;
        TrainConfig c;
        System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            c = TrainConfig.load(write(old), List.of("data.pools_generate.m=3"));
        } finally {
            System.setErr(saved);
        }
        TrainConfig canonical = TrainConfig.load(write(base + "sampling: {max_tokens: 7, temperature: 0.5, top_p: 0.9}\n"
                + "rollout: {max_batch: 3, timeout_s: 30}\n"), List.of("data.pools_generate.per_problem=3"));
        assertEquals(canonical, c);
        assertEquals(7, c.maxCompletionLength());
        assertEquals(3, c.generationBatchSize());
        assertEquals(3, c.data().poolsGenerate().perProblem());
        List<String> warnings = err.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        assertEquals(7, warnings.size(), warnings.toString());
        for (String[] w : new String[][] {{"data.problems", "data.path"}, {"max_completion_length", "sampling.max_tokens"},
                {"temperature", "sampling.temperature"}, {"top_p", "sampling.top_p"},
                {"generation_batch_size", "rollout.max_batch"}, {"rollout.request_timeout_s", "rollout.timeout_s"},
                {"data.pools_generate.m", "data.pools_generate.per_problem"}}) {
            assertTrue(warnings.stream().anyMatch(l -> l.startsWith("warning: ") && l.contains("key '" + w[0]
                    + "' is deprecated; use '" + w[1] + "'")), w[0] + " in " + warnings);
        }
        assertTrue(warnings.stream().anyMatch(l -> l.startsWith("warning: --set data.pools_generate.m=3:")), warnings.toString());
        String both = error(base + "temperature: 0.5\nsampling: {temperature: 0.7}\n");
        assertTrue(both.contains("key 'temperature': means the same as 'sampling.temperature'"), both);
        // An error at a key given by its old name on the command line quotes what was typed.
        assertTrue(setError(base, "temperature=0").startsWith("--set temperature=0: key 'sampling.temperature': must be > 0"));
    }

    @Test
    void unknownKeysAreNamedWithTheirPath() throws IOException {
        assertTrue(error(base + "learning_rat: 1e-5\n").contains("key 'learning_rat': unknown key"));
        String nested = error(base + "aggregation:\n  kk: 3\n");
        assertTrue(nested.contains("'aggregation.kk'") && nested.contains("ratio"), nested);
        // A --set key names the command line, not the file.
        Path f = write(base);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.load(f, List.of("lora.rnk=4")));
        assertTrue(e.getMessage().startsWith("--set lora.rnk=4: key 'lora.rnk': unknown key"), e.getMessage());
    }

    @Test
    void wrongTypesAndEnumsAreNamed() throws IOException {
        assertTrue(error(base + "num_generations: many\n").contains("'num_generations': expected an integer, got \"many\""));
        assertTrue(error(base + "aggregation:\n  k: 2.5\n").contains("'aggregation.k'"));
        assertTrue(error(base + "learning_rate: \"1e-5\"\n").contains("'learning_rate'"));
        String e = error(base + "loss_type: ppo\n");
        assertTrue(e.contains("'loss_type'") && e.contains("dapo, grpo, dr_grpo"), e);
        assertTrue(error(base + "lr_scheduler_type: cosine_with_restarts\n").contains("'lr_scheduler_type'"));
    }

    @Test
    void badValuesAndMissingFilesAreNamed() throws IOException {
        assertTrue(error(base + "aggregation:\n  ratio: 1.5\n").contains("'aggregation.ratio': must be in [0.0, 1.0]"));
        String template = error(base + "aggregation:\n  template: fancy\n");
        assertTrue(template.contains("aggregation.template") && template.contains("'fancy'"), template);
        assertTrue(error(base + "aggregation:\n  k: 0\n").contains("'aggregation.k'"));
        assertTrue(error(base + "num_generations: 1\n").contains("'num_generations'"));
        assertTrue(error(base + "sampling: {max_tokens: -3}\n").contains("'sampling.max_tokens': must be > 0"));
        String missing = error(base, "data.path=" + dir.resolve("nope.jsonl"));
        assertTrue(missing.contains("'data.path': file not found") && missing.contains("nope.jsonl"), missing);
        assertTrue(error(base, "model=" + dir.resolve("nomodel")).contains("'model': folder not found"));
        assertTrue(error("output_dir: x\ndata:\n  path: " + dir.resolve("problems.jsonl") + "\n")
                .contains("'model': is required"));
        assertTrue(error(base, "gradient_accumulation_steps=5").contains("'gradient_accumulation_steps'"));
        assertTrue(error(base, "data.pools=null").contains("'data.pools': is required"));
        assertTrue(error(base, "resume=" + dir.resolve("checkpoint-9")).contains("'resume'"));
        assertTrue(error(base + "batch_size: 2\nper_device_train_batch_size: 4\n").contains("batch_size"));
    }

    @Test
    void yamlSyntaxErrorsNameTheLine() throws IOException {
        String e = error(base + "aggregation: [unclosed\n  k: 3\n");
        assertTrue(e.matches("(?s).*train\\.yaml:\\d+:\\d+: invalid YAML.*"), e);
        IllegalArgumentException nf = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.load(dir.resolve("missing.yaml"), List.of()));
        assertTrue(nf.getMessage().contains("missing.yaml"));
    }

    @Test
    void sftConfigLoadsWithDefaults() throws IOException {
        Files.writeString(dir.resolve("pairs.jsonl"), "{}\n");
        Path f = dir.resolve("sft.yaml");
        Files.writeString(f, "model: " + dir.resolve("model") + "\noutput_dir: o\ndata:\n  train: "
                + dir.resolve("pairs.jsonl") + "\nbatch_size: 4\nmicro_batch_size: 2\n");
        SftConfig c = SftConfig.load(f, List.of("num_train_epochs=2"));
        assertEquals(2, c.accumulationSteps());
        assertEquals(5, c.totalSteps(10)); // ceil(2 epochs * 10 / 4)
        assertTrue(c.completionOnlyLoss());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SftConfig.load(f, List.of("data.trian=x")));
        assertTrue(e.getMessage().contains("'data.trian'"));
    }

    @Test
    void optimizerKeysAreSharedTopLevelKeys() throws IOException {
        String opt = "learning_rate: 3.0e-4\nlr_scheduler_type: cosine\nwarmup_steps: 2\nweight_decay: 0.01\n"
                + "max_grad_norm: 0.5\nadam_beta2: 0.95\n";
        Files.writeString(dir.resolve("pairs.jsonl"), "{}\n");
        Path s = dir.resolve("sft.yaml");
        Files.writeString(s, "model: " + dir.resolve("model") + "\noutput_dir: o\ndata:\n  train: "
                + dir.resolve("pairs.jsonl") + "\n" + opt);
        OptimizerConfig expected = new OptimizerConfig(3e-4, "cosine", 0.0, 2, 0.01, 0.5, 0.9, 0.95, 1e-8);
        assertEquals(expected, SftConfig.load(s, List.of()).optimizer());
        TrainConfig t = TrainConfig.load(write(base + opt), List.of());
        assertEquals(expected, t.optimizer());
        assertEquals(LrSchedule.of("cosine", 3e-4, 2, 0.0, 100), t.schedule());
        assertEquals(new AdamW.Hyper(0.9, 0.95, 1e-8, 0.01), t.optimizer().adamHyper());
        assertEquals(3e-4, ConfigLoader.toTree(t).get("learning_rate").asDouble(), "written back at the top level");

        assertTrue(error(base + "optimizer:\n  learning_rate: 1\n").contains("key 'optimizer': unknown key"));
        assertTrue(error(base, "adam_epsilon=0").contains("key 'adam_epsilon': must be > 0"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SftConfig.load(s, List.of("warmup_ratio=2")));
        assertTrue(e.getMessage().contains("key 'warmup_ratio': must be in [0.0, 1.0]"), e.getMessage());
    }

    @Test
    void rolloutKeysBindWithDefaultsAndAreChecked() throws IOException {
        TrainConfig local = TrainConfig.load(write(base), List.of());
        assertEquals(RolloutConfig.Engine.LOCAL, local.rollout().engine());
        assertEquals(RolloutConfig.ImportanceCorrection.SEQUENCE_MASK, local.rollout().importanceCorrection());
        assertEquals(3.0, local.rollout().importanceCap());
        assertEquals(64, local.rollout().maxConcurrency());
        assertEquals(0, local.rollout().maxStaleness());
        TrainConfig vllm = TrainConfig.load(write(base + "lora: {rank: 8}\n"), List.of("rollout.engine=vllm",
                "rollout.base_url=http://10.0.0.5:8000/v1", "rollout.importance_correction=token_truncate",
                "rollout.importance_cap=2", "rollout.max_staleness=1"));
        assertEquals(RolloutConfig.Engine.VLLM, vllm.rollout().engine());
        assertEquals(RolloutConfig.ImportanceCorrection.TOKEN_TRUNCATE, vllm.rollout().importanceCorrection());
        assertEquals(RolloutConfig.WeightSync.LORA, vllm.rollout().weightSync());

        TrainConfig moved = TrainConfig.load(write(base + "lora: {rank: 8}\n"), List.of("rollout.engine=vllm",
                "rollout.base_url=http://10.0.0.6:8000/v1", "rollout.importance_correction=token_truncate",
                "rollout.importance_cap=2", "rollout.max_staleness=1", "rollout.max_retry_wait_s=5"));
        assertEquals(vllm.hash(), moved.hash(), "the server's address and patience do not change the run");
        TrainConfig capped = TrainConfig.load(write(base + "lora: {rank: 8}\n"), List.of("rollout.engine=vllm",
                "rollout.base_url=http://10.0.0.5:8000/v1", "rollout.importance_correction=token_truncate",
                "rollout.importance_cap=4", "rollout.max_staleness=1"));
        assertNotEquals(vllm.hash(), capped.hash());
        assertTrue(error(base, "rollout.engine=vllm").contains("key 'rollout.base_url': is required"));
        assertTrue(error(base, "rollout.engine=vllm", "rollout.base_url=http://h:1/v1")
                .contains("key 'rollout.weight_sync': lora needs lora.rank > 0"));
        assertTrue(error(base, "rollout.max_staleness=1").contains("key 'rollout.max_staleness': needs a server"));
        // A bad value given with --set names the command line, not the file.
        assertTrue(setError(base, "rollout.engine=tgi").startsWith("--set rollout.engine=tgi: key 'rollout.engine'"));
        assertTrue(setError(base, "rollout.importance_correction=clip").contains("rollout.importance_correction"));
        assertTrue(error(base, "rollout.importance_cap=0.5").contains("key 'rollout.importance_cap'"));
        assertTrue(error(base, "rollout.engine=sglang", "rollout.base_url=http://h:1", "rollout.weight_sync=full",
                "rollout.max_staleness=1", "filter_groups.enable=true").contains("filter_groups.enable"));
        assertTrue(error(base, "rollout.engine=sglang", "rollout.base_url=http://h:1", "rollout.weight_sync=full",
                "rollout.api_key_env=RSA_SURELY_UNSET_VARIABLE").contains("RSA_SURELY_UNSET_VARIABLE"));
    }
}
