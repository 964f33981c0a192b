package rsarl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code rsa train} end to end on a self-creating tiny config: a real process is killed after its first checkpoint
 * and resumed, and its final weights must equal, bit for bit, those of an uninterrupted in-process run.
 */
class TrainCommandTest {
    private static final int MAX_STEPS = 5;

    private static Path config(Path dir) throws IOException {
        Path f = dir.resolve("tiny.yaml");
        Files.writeString(f, String.join("\n",
                "model: " + dir.resolve("model"),
                "init: {preset: tiny, seed: 0, vocab_size: 300}",
                "resume: auto",
                "seed: 7",
                "data:",
                "  path: " + dir.resolve("problems.jsonl"),
                "  generate: {task: \"puzzle:arith\", n: 6, seed: 0}",
                "  pools: " + dir.resolve("pools.jsonl"),
                "  pools_generate: {per_problem: 2, seed: 9}",
                "  task: \"puzzle:arith\"",
                "aggregation: {ratio: 0.5, k: 2, source: pool}",
                "num_generations: 2",
                "batch_size: 2",
                "max_prompt_length: 1024",
                "sampling: {max_tokens: 8}",
                "advantage: rloo",
                "learning_rate: 1.0e-2",
                // A random model earns no reward, so no policy gradient: decoupled weight decay under a cosine
                // schedule still moves the weights every step by an amount that depends on the restored state.
                "weight_decay: 0.1",
                "lr_scheduler_type: cosine",
                "warmup_steps: 1",
                "max_steps: " + MAX_STEPS,
                "save_steps: 1",
                "save_total_limit: 2",
                ""));
        return f;
    }

    private static int rsa(String... args) {
        return Rsa.run(args);
    }

    private static Process spawn(Path dir, Path cfg, String out) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "rsarl.cli.Rsa", "train", "--config", cfg.toString(), "--set", "output_dir=" + dir.resolve(out));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(out + ".log").toFile());
        pb.environment().put("DJL_OFFLINE", "true");
        pb.environment().put("OPT_OUT_TRACKING", "true");
        return pb.start();
    }

    @Test
    void samplerAndTrainerLogprobsAgreeAtATemperatureBelowOne(@TempDir Path dir) throws Exception {
        Path cfg = config(dir);
        assertEquals(0, rsa("train", "--config", cfg.toString(), "--set", "output_dir=" + dir.resolve("t07"),
                "--set", "sampling.temperature=0.7", "--set", "max_steps=1"));
        List<String> lines = Files.readAllLines(dir.resolve("t07/metrics.jsonl"));
        ObjectNode first = (ObjectNode) new ObjectMapper().readTree(lines.get(0));
        assertTrue(first.get("sampler_logprob_abs_diff").asDouble() < 1e-4, first.toString());
    }

    @Test
    void killedRunResumesToBitIdenticalWeights(@TempDir Path dir) throws Exception {
        Path cfg = config(dir);
        // Uninterrupted, in this process; it also creates the model, the problems and the pools.
        assertEquals(0, rsa("train", "--config", cfg.toString(), "--set", "output_dir=" + dir.resolve("straight")));
        assertTrue(Files.isRegularFile(dir.resolve("model/config.json")));
        assertTrue(Files.isRegularFile(dir.resolve("pools.jsonl")));
        assertEquals(6 * 2, Files.readAllLines(dir.resolve("pools.jsonl")).size());

        Process p = spawn(dir, cfg, "killed");
        Path first = dir.resolve("killed/checkpoint-1/trainer_state.json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (!Files.exists(first) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        assertTrue(Files.exists(first), "first checkpoint appeared: " + Files.readString(dir.resolve("killed.log")));
        assertFalse(Files.exists(dir.resolve("killed/checkpoint-" + MAX_STEPS)), "killed before the end");

        Process resumed = spawn(dir, cfg, "killed");
        assertTrue(resumed.waitFor(240, TimeUnit.SECONDS), "resumed run finishes");
        assertEquals(0, resumed.exitValue(), Files.readString(dir.resolve("killed.log")));

        String weights = "checkpoint-" + MAX_STEPS + "/model/model.safetensors";
        byte[] straight = Files.readAllBytes(dir.resolve("straight").resolve(weights));
        assertArrayEquals(straight, Files.readAllBytes(dir.resolve("killed").resolve(weights)));
        assertFalse(java.util.Arrays.equals(straight, Files.readAllBytes(dir.resolve("model/model.safetensors"))),
                "training moved the weights");
        assertFalse(java.util.Arrays.equals(straight, Files.readAllBytes(dir.resolve("killed/checkpoint-"
                + (MAX_STEPS - 1) + "/model/model.safetensors"))), "every step moves them");
        List<String> a = withoutTimes(dir.resolve("straight/metrics.jsonl"));
        assertEquals(MAX_STEPS, a.size());
        assertEquals(a, withoutTimes(dir.resolve("killed/metrics.jsonl")));
        ObjectNode last = (ObjectNode) new ObjectMapper().readTree(a.get(MAX_STEPS - 1));
        assertTrue(last.get("sampler_logprob_abs_diff").asDouble() < 1e-4, last.toString());
        assertTrue(last.has("reward_mean_aggregation") && last.has("truncated_fraction"), last.toString());
    }

    @Test
    void evaluatesTheCurrentWeightsEveryNSteps(@TempDir Path dir) throws IOException {
        Path cfg = config(dir);
        Path evalCfg = dir.resolve("eval.yaml");
        Files.writeString(evalCfg, String.join("\n",
                "backend: {type: local, model: ignored-during-training}",
                "data: {path: " + dir.resolve("problems.jsonl") + ", task: \"puzzle:arith\", limit: 2}",
                "rsa: {population: 2, k: 2, steps: 2}",
                "sampling: {max_tokens: 6}",
                "output_dir: ignored",
                ""));
        // The eval data must exist before training starts: create the problems first with a zero-step-like run.
        assertEquals(0, rsa("train", "--config", cfg.toString(), "--set", "output_dir=" + dir.resolve("warm"),
                "--set", "max_steps=1"));
        assertEquals(0, rsa("train", "--config", cfg.toString(), "--set", "output_dir=" + dir.resolve("run"),
                "--set", "max_steps=3", "--set", "eval.every_steps=2", "--set", "eval.config=" + evalCfg));
        List<String> lines = Files.readAllLines(dir.resolve("run/eval_metrics.jsonl"));
        assertEquals(2, lines.size(), "step 2 and the last step: " + lines);
        ObjectMapper om = new ObjectMapper();
        assertEquals(2, om.readTree(lines.get(0)).get("step").asInt());
        assertEquals(3, om.readTree(lines.get(1)).get("step").asInt());
        assertEquals(2, om.readTree(lines.get(1)).get("states").size(), "one line per RSA state");
        assertTrue(Files.isRegularFile(dir.resolve("run/eval/step-2/generations.jsonl")));
        assertEquals(2 * 2 * 2, Files.readAllLines(dir.resolve("run/eval/step-2/generations.jsonl")).size());
    }

    @Test
    void paperConfigBinds(@TempDir Path dir) throws IOException {
        Path paper = Path.of("../configs/train/paper-qwen3-4b.yaml");
        Files.createDirectories(dir.resolve("m"));
        Files.writeString(dir.resolve("p.jsonl"), "");
        rsarl.trainer.config.TrainConfig c = rsarl.trainer.config.TrainConfig.load(paper, List.of("model=" + dir.resolve("m"),
                "data.path=" + dir.resolve("p.jsonl"), "data.pools=" + dir.resolve("p.jsonl")));
        assertEquals(rsarl.trainer.config.AdvantageEstimator.RLOO, c.advantage());
        assertEquals(4, c.numGenerations());
        assertEquals(256, c.perDeviceTrainBatchSize());
        assertEquals(0.5, c.aggregation().ratio());
        assertEquals(4, c.aggregation().k());
        assertEquals(33792, c.maxPromptLength());
        assertEquals(8192, c.maxCompletionLength());
        assertEquals(1e-6, c.optimizer().learningRate());
        assertEquals(0.0, c.beta());
    }

    private static List<String> withoutTimes(Path metrics) throws IOException {
        ObjectMapper om = new ObjectMapper();
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(metrics)) {
            ObjectNode n = (ObjectNode) om.readTree(l);
            n.remove(List.of("generation_seconds", "scoring_seconds", "update_seconds", "tokens_per_second"));
            out.add(n.toString());
        }
        return out;
    }

    @Test
    void badConfigsAreRejectedNamingTheKey(@TempDir Path dir) throws IOException {
        Path cfg = config(dir);
        PrintStream oldErr = System.err;
        for (String[] c : new String[][] {
                {"train", "--config", cfg.toString(), "--set", "output_dir=" + dir.resolve("o"), "--set",
                        "aggregation.kk=3", "aggregation.kk"},
                {"train", "--config", cfg.toString(), "--set", "output_dir=" + dir.resolve("o"), "--set",
                        "num_generations=1", "num_generations"},
                {"train", "--config", cfg.toString(), "--set", "output_dir=" + dir.resolve("o"), "--set",
                        "data.generate.task=puzzle:nope", "data.generate"},
                {"train", "--config", cfg.toString(), "--set", "output_dir=" + dir.resolve("o"), "--set",
                        "learning_rate=fast", "learning_rate"},
                {"train", "--config", cfg.toString(), "--set", "output_dir=" + dir.resolve("o"), "--set",
                        "init.preset=huge", "init"},
                {"train", "--config", cfg.toString(), "--set", "output_dir=" + dir.resolve("o"), "--set",
                        "data.task=astrology", "data.task"},
                {"sft", "--config", cfg.toString(), "data.path"}}) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            picocli.CommandLine cl = new picocli.CommandLine(new Rsa());
            cl.setExecutionExceptionHandler(new OneLineErrors());
            cl.setErr(new java.io.PrintWriter(err, true));
            int code = cl.execute(java.util.Arrays.copyOf(c, c.length - 1));
            String msg = err.toString();
            assertEquals(1, code, msg);
            assertTrue(msg.contains(c[c.length - 1]), c[c.length - 1] + " named in: " + msg);
            if (c[0].equals("sft")) {
                // A train config given to sft: each of its train keys is one line.
                assertTrue(msg.contains("problems; nothing was run:") && msg.contains("key 'aggregation': unknown key"),
                        msg);
            } else {
                assertEquals(1, msg.strip().lines().count(), "one line: " + msg);
            }
        }
        System.setErr(oldErr);
        assertFalse(Files.exists(dir.resolve("model")), "nothing was created for a rejected config");
        assertFalse(Files.exists(dir.resolve("o")), "no output either");
    }
}
