package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.SafetensorsFile;
import rsarl.rollout.backend.LocalEngine;
import rsarl.rollout.serve.OpenAiServer;
import rsarl.rollout.serve.ServeOptions;
import rsarl.trainer.config.TrainConfig;
import rsarl.trainer.grpo.TrainRun;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code rsa train} with its rollouts from a server ({@code rollout.engine: vllm | sglang}) played by {@code rsa serve}
 * on the tiny model, offline: LoRA sync (an adapter per policy version, loaded and unloaded by name), full sync
 * (SGLang's {@code /update_weights_from_disk}), the asynchronous mode ({@code max_staleness: 1}), and a server that
 * fails on purpose (retried, then the run stops naming the URL, and a rerun resumes).
 */
class TrainThroughServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int STEPS = 3;

    @TempDir
    static Path shared;
    static Path cfg;

    @BeforeAll
    static void prepare() throws IOException {
        cfg = shared.resolve("tiny.yaml");
        Files.writeString(cfg, String.join("\n",
                "model: " + shared.resolve("model"),
                "init: {preset: tiny, seed: 0, vocab_size: 300}",
                "resume: auto",
                "seed: 7",
                "data:",
                "  problems: " + shared.resolve("problems.jsonl"),
                "  generate: {task: \"puzzle:arith\", n: 6, seed: 0}",
                "  pools: " + shared.resolve("pools.jsonl"),
                "  pools_generate: {m: 2, seed: 9}",
                "  task: \"puzzle:arith\"",
                "aggregation: {ratio: 0.5, k: 2, source: pool}",
                "num_generations: 2",
                "batch_size: 2",
                "max_completion_length: 8",
                "advantage: rloo",
                "learning_rate: 1.0e-2",
                "weight_decay: 0.1",
                "max_steps: " + STEPS,
                "save_steps: 1",
                "save_total_limit: 2",
                "lora: {rank: 4, alpha: 8}",
                ""));
        TrainRun.prepareAssets(TrainConfig.load(cfg, List.of("output_dir=" + shared.resolve("unused"))),
                new PrintStream(OutputStream.nullOutputStream()));
    }

    private static OpenAiServer serve(LocalEngine engine) throws IOException {
        return OpenAiServer.start(engine, ServeOptions.defaults("tiny", 0).withMaxBatch(8));
    }

    private static CliRun train(Path out, String... sets) {
        List<String> args = new ArrayList<>(List.of("train", "--config", cfg.toString(), "--set", "output_dir=" + out));
        for (String s : sets) {
            args.add("--set");
            args.add(s);
        }
        return CliRun.rsa(args.toArray(String[]::new));
    }

    private static List<JsonNode> metrics(Path out) throws IOException {
        List<JsonNode> out2 = new ArrayList<>();
        for (String l : Files.readAllLines(out.resolve("metrics.jsonl"))) out2.add(JSON.readTree(l));
        return out2;
    }

    /** On-policy: the server samples from the trainer's weights, so the sampler and trainer agree. */
    private static void assertOnPolicy(List<JsonNode> m) {
        assertEquals(STEPS, m.size());
        for (JsonNode line : m) {
            assertEquals(0, line.get("policy_version_lag").asDouble(), line.toString());
            assertTrue(Math.abs(line.get("importance_ratio_mean").asDouble() - 1) < 1e-3, line.toString());
            assertEquals(0, line.get("importance_masked_fraction").asDouble(), line.toString());
            assertTrue(line.get("sampler_logprob_abs_diff").asDouble() < 1e-3, line.toString());
        }
    }

    @Test
    void loraSyncLoadsOneAdapterPerPolicyVersion() throws Exception {
        Path out = shared.resolve("lora");
        try (LocalEngine engine = LocalEngine.load(shared.resolve("model"), "cpu");
             OpenAiServer server = serve(engine)) {
            CliRun r = train(out, "rollout.engine=vllm", "rollout.base_url=" + server.baseUrl());
            assertEquals(0, r.code(), r.err());
            assertEquals(List.of("load policy-v0", "load policy-v1", "unload policy-v0", "load policy-v2",
                    "unload policy-v1", "load policy-v3", "unload policy-v2"), server.models().history());
            assertEquals(List.of("policy-v3"), List.copyOf(server.models().adapters().keySet()));
        }
        assertOnPolicy(metrics(out));
        try (Stream<Path> s = Files.list(out.resolve("policy"))) {
            assertEquals(List.of("policy-v3"), s.map(p -> p.getFileName().toString()).toList());
        }
        Path adapter = out.resolve("checkpoint-" + STEPS).resolve("adapter");
        assertEquals(4, JSON.readTree(adapter.resolve("adapter_config.json").toFile()).get("r").asInt());
        assertTrue(Files.isRegularFile(adapter.resolve("tokenizer.json")), "the adapter folder is usable on its own");
        // rsa generate takes the adapter folder as --model (token ids in and out).
        CliRun gen = CliRun.rsa("generate", "--model", adapter.toString(), "--input-ids", "5,6,7", "--max-new-tokens",
                "3", "--seed", "1");
        assertEquals(0, gen.code(), gen.err());
        try (SafetensorsFile f = SafetensorsFile.open(adapter.resolve("adapter_model.safetensors"))) {
            assertTrue(f.entries().containsKey("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"));
        }
        // The checkpoint's adapter folder loads as a model: its base with the adapter merged = the merged model/
        // (a random model earns no reward, so B may still be zero here; ServedModelsTest merges a random B).
        try (LocalEngine fromAdapter = LocalEngine.load(adapter, "cpu");
             LocalEngine merged = LocalEngine.load(out.resolve("checkpoint-" + STEPS).resolve("model"), "cpu")) {
            String w = "model.layers.0.self_attn.q_proj.weight";
            float[] a = fromAdapter.model().parameters().get(w).toFloatArray();
            float[] b = merged.model().parameters().get(w).toFloatArray();
            double diff = 0;
            for (int i = 0; i < a.length; i++) {
                diff = Math.max(diff, Math.abs(a[i] - b[i]));
            }
            assertTrue(diff < 1e-6, "diff " + diff);
        }
    }

    @Test
    void fullSyncReloadsTheServerWeightsPerVersion() throws Exception {
        // SGLang's /update_weights_from_disk, and vLLM's /collective_rpc to the worker extension.
        for (String engineName : List.of("sglang", "vllm")) {
            Path out = shared.resolve("full-" + engineName);
            try (LocalEngine engine = LocalEngine.load(shared.resolve("model"), "cpu");
                 OpenAiServer server = serve(engine)) {
                String url = engineName.equals("sglang") ? server.baseUrl().replace("/v1", "") : server.baseUrl();
                CliRun r = train(out, "rollout.engine=" + engineName, "rollout.base_url=" + url,
                        "rollout.weight_sync=full", "lora.rank=0");
                assertEquals(0, r.code(), r.err());
                List<String> h = server.models().history();
                assertEquals(STEPS + 1, h.size(), h.toString());
                for (int v = 0; v <= STEPS; v++) {
                    assertTrue(h.get(v).startsWith("update ") && h.get(v).endsWith("policy-v" + v), h.toString());
                }
                if (engineName.equals("sglang")) assertEquals("v" + STEPS, server.models().weightVersion());
            }
            assertOnPolicy(metrics(out));
        }
    }

    @Test
    void sglangLoraSyncSamplesThroughGenerateWithLoraPath() throws Exception {
        Path out = shared.resolve("sglang-lora");
        try (LocalEngine engine = LocalEngine.load(shared.resolve("model"), "cpu");
             OpenAiServer server = serve(engine)) {
            CliRun r = train(out, "rollout.engine=sglang", "rollout.base_url=" + server.baseUrl().replace("/v1", ""),
                    "rollout.importance_correction=token_truncate");
            assertEquals(0, r.code(), r.err());
            assertEquals(List.of("policy-v" + STEPS), List.copyOf(server.models().adapters().keySet()));
            assertEquals(2 * (STEPS + 1) - 1, server.models().history().size(), server.models().history().toString());
        }
        assertOnPolicy(metrics(out));
    }

    @Test
    void maxStalenessOneTrainsOnRolloutsOneVersionBehind() throws Exception {
        Path out = shared.resolve("async");
        try (LocalEngine engine = LocalEngine.load(shared.resolve("model"), "cpu");
             OpenAiServer server = serve(engine)) {
            CliRun r = train(out, "rollout.engine=vllm", "rollout.base_url=" + server.baseUrl(),
                    "rollout.max_staleness=1");
            assertEquals(0, r.code(), r.err());
            assertEquals(List.of("policy-v2", "policy-v3"), List.copyOf(server.models().adapters().keySet()));
        }
        List<JsonNode> m = metrics(out);
        assertEquals(STEPS, m.size());
        assertEquals(0, m.get(0).get("policy_version_lag").asDouble());
        for (int i = 1; i < STEPS; i++) {
            assertEquals(1, m.get(i).get("policy_version_lag").asDouble(), m.get(i).toString());
            double ratio = m.get(i).get("importance_ratio_mean").asDouble();
            assertTrue(Double.isFinite(ratio) && ratio > 0, m.get(i).toString());
        }
    }

    @Test
    void aFailingServerIsRetriedThenStopsTheRunNamingTheUrlAndARerunResumes() throws Exception {
        Path out = shared.resolve("flaky");
        try (LocalEngine engine = LocalEngine.load(shared.resolve("model"), "cpu");
             OpenAiServer server = serve(engine);
             FlakyProxy proxy = new FlakyProxy(server.baseUrl().replace("/v1", ""))) {
            // Step 1: its first two attempts get a 503 and are retried; from step 3 on the server stays down.
            proxy.fail = i -> i <= 2 || i >= 7;
            String url = proxy.root() + "/v1";
            CliRun r = train(out, "rollout.engine=vllm", "rollout.base_url=" + url, "rollout.max_retry_wait_s=3");
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().contains("HTTP 503") && r.err().contains("retrying in 1 s"), r.err());
            List<String> lines = r.err().strip().lines().toList();
            String last = lines.get(lines.size() - 1);
            assertTrue(last.contains(url + "/completions") && last.contains("rerun"), last);
            assertEquals(2, metrics(out).size(), "steps 1 and 2 done and checkpointed");
            assertTrue(Files.isDirectory(out.resolve("checkpoint-2")));
            assertFalse(Files.exists(out.resolve("checkpoint-3")));

            proxy.fail = i -> false;
            CliRun again = train(out, "rollout.engine=vllm", "rollout.base_url=" + url);
            assertEquals(0, again.code(), again.err());
            List<JsonNode> m = metrics(out);
            assertEquals(STEPS, m.size());
            for (int i = 0; i < STEPS; i++) assertEquals(i + 1, m.get(i).get("step").asInt());
            // The crashed run left policy-v2 loaded: the rerun replaces it rather than trusting its weights.
            assertTrue(java.util.Collections.indexOfSubList(server.models().history(),
                    List.of("unload policy-v2", "load policy-v2")) >= 0, server.models().history().toString());
            assertTrue(Files.isDirectory(out.resolve("checkpoint-" + STEPS)));
        }
    }
}
