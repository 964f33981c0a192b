package rsarl.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One validator for every config-driven command: a config with an unknown key, a wrong type and an out-of-range
 * value reports all three in one message, one line each naming the file (or the {@code --set} assignment) and the
 * key; the command exits 1 and writes nothing.
 */
class ConfigProblemsTest {
    @TempDir
    Path dir;

    /** The problems file the eval and candidates configs name (a missing one is a problem of its own). */
    @BeforeEach
    void problemsFile() throws IOException {
        Files.writeString(dir.resolve("p.jsonl"), "{\"prompt\": \"a\", \"answer\": \"b\"}\n");
    }

    private Path write(String name, String... lines) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    /** Runs the command and checks the header line and one line per expected problem, in that order. */
    private void assertProblems(Path cfg, List<String> expected, String... args) {
        CliRun r = CliRun.rsa(args);
        assertEquals(1, r.code(), r.err());
        List<String> lines = r.err().strip().lines().toList();
        assertEquals(1 + expected.size(), lines.size(), r.err());
        assertTrue(lines.get(0).endsWith(": error: " + cfg + ": " + expected.size() + " problems; nothing was run:"),
                r.err());
        for (int i = 0; i < expected.size(); i++) {
            assertTrue(lines.get(i + 1).startsWith("  " + expected.get(i)), expected.get(i) + "\n" + r.err());
        }
        assertFalse(Files.exists(dir.resolve("out")), "nothing is written");
    }

    @Test
    void evalReportsEveryProblem() throws IOException {
        Path cfg = write("eval.yaml",
                "backend: {type: openai, base_url: 'http://127.0.0.1:9/v1', model: m}",
                "data: {path: " + dir.resolve("p.jsonl") + "}",
                "rsa: {population: 4, k: 2, steps: three}",
                "sampling: {temprature: 0.5}",
                "output_dir: " + dir.resolve("out"));
        assertProblems(cfg, List.of(
                cfg + ": key 'rsa.steps': expected an integer, got \"three\"",
                cfg + ": key 'sampling.temprature': unknown key (known keys: max_tokens, min_p, stop, temperature, "
                        + "top_k, top_p)",
                "--set sampling.top_p=1.5: key 'sampling.top_p': must be in (0, 1], got 1.5"),
                "eval", "--config", cfg.toString(), "--no-progress", "--set", "sampling.top_p=1.5");
    }

    @Test
    void evalFindsSeveralRangeProblemsOfOneSection() throws IOException {
        Path cfg = write("eval.yaml",
                "backend: {type: openai, base_url: 'http://127.0.0.1:9/v1', model: m, max_concurrency: 0}",
                "data: {path: " + dir.resolve("p.jsonl") + ", limit: 0}",
                "rsa: {population: 0, k: 2, steps: 0}",
                "seeds: [1, 1]",
                "output_dir: " + dir.resolve("out"));
        assertProblems(cfg, List.of(
                cfg + ": key 'backend.max_concurrency': must be >= 1, got 0",
                cfg + ": key 'data.limit': must be >= 1, got 0",
                cfg + ": key 'rsa.population': must be >= 1, got 0",
                cfg + ": key 'rsa.steps': must be >= 1, got 0",
                cfg + ": key 'seeds': must be distinct, got [1, 1]"),
                "eval", "--config", cfg.toString(), "--no-progress");
    }

    @Test
    void aSectionsKnownKeysAreListedOnceAtItsFirstUnknownKey() throws IOException {
        Path cfg = write("eval.yaml",
                "backend: {type: openai, base_url: 'http://127.0.0.1:9/v1', model: m}",
                "data: {path: " + dir.resolve("p.jsonl") + "}",
                "sampling: {temprature: 0.5, maxtokens: 9}",
                "output_dir: " + dir.resolve("out"));
        assertProblems(cfg, List.of(
                cfg + ": key 'sampling.temprature': unknown key (known keys: max_tokens, min_p, stop, temperature, "
                        + "top_k, top_p)",
                cfg + ": key 'sampling.maxtokens': unknown key"),
                "eval", "--config", cfg.toString(), "--no-progress");
        assertFalse(CliRun.rsa("eval", "--config", cfg.toString()).err().contains("maxtokens': unknown key ("));
    }

    @Test
    void trainReportsEveryProblem() throws IOException {
        Files.createDirectories(dir.resolve("model"));
        Files.writeString(dir.resolve("p.jsonl"), "{\"prompt\": \"a\", \"answer\": \"b\"}\n");
        Files.writeString(dir.resolve("pools.jsonl"), "{}\n");
        Path cfg = write("train.yaml",
                "model: " + dir.resolve("model"),
                "output_dir: " + dir.resolve("out"),
                "data: {path: " + dir.resolve("p.jsonl") + ", pools: " + dir.resolve("pools.jsonl") + "}",
                "num_generation: 4",
                "learning_rate: fast");
        assertProblems(cfg, List.of(
                cfg + ": key 'num_generation': unknown key (known keys: ",
                cfg + ": key 'learning_rate': expected a number, got \"fast\"",
                "--set aggregation.ratio=1.5: key 'aggregation.ratio': must be in [0.0, 1.0], got 1.5"),
                "train", "--config", cfg.toString(), "--set", "aggregation.ratio=1.5");
    }

    @Test
    void sftReportsEveryProblem() throws IOException {
        Files.createDirectories(dir.resolve("model"));
        Files.writeString(dir.resolve("pairs.jsonl"), "{\"prompt\": \"a\", \"response\": \"b\"}\n");
        Path cfg = write("sft.yaml",
                "model: " + dir.resolve("model"),
                "output_dir: " + dir.resolve("out"),
                "data: {train: " + dir.resolve("pairs.jsonl") + "}",
                "max_seq_len: 64",
                "lora: {rank: many}");
        assertProblems(cfg, List.of(
                cfg + ": key 'max_seq_len': unknown key (known keys: ",
                cfg + ": key 'lora.rank': expected an integer, got \"many\"",
                "--set warmup_ratio=2: key 'warmup_ratio': must be in [0.0, 1.0], got 2.0"),
                "sft", "--config", cfg.toString(), "--set", "warmup_ratio=2");
    }

    @Test
    void candidatesReportsEveryProblem() throws IOException {
        Files.createDirectories(dir.resolve("model"));
        Path cfg = write("cand.yaml",
                "backend: {type: local, model: " + dir.resolve("model") + ", max_batch: 0}",
                "data: {path: " + dir.resolve("p.jsonl") + "}",
                "candidates: {per_problem: 0, per_prompt: 2}",
                "output: " + dir.resolve("out/pools.jsonl"));
        assertProblems(cfg, List.of(
                cfg + ": key 'backend.max_batch': must be >= 1, got 0",
                cfg + ": key 'candidates.per_problem': must be >= 1, got 0",
                cfg + ": key 'candidates.per_prompt': unknown key (known keys: per_problem)"),
                "candidates", "--config", cfg.toString(), "--no-progress");
    }

    @Test
    void missingFilesAndRequiredKeysAreReportedWithTheOtherProblems() throws IOException {
        Path cfg = write("eval.yaml",
                "backend: {type: local, model: " + dir.resolve("no-model") + "}",
                "data: {path: " + dir.resolve("none.jsonl") + "}",
                "rsa: {population: 0}",
                "output_dir: " + dir.resolve("out"));
        assertProblems(cfg, List.of(
                cfg + ": key 'rsa.population': must be >= 1, got 0",
                cfg + ": key 'data.path': file not found: " + dir.resolve("none.jsonl"),
                cfg + ": key 'backend.model': folder not found: " + dir.resolve("no-model")),
                "eval", "--config", cfg.toString(), "--no-progress");
        // a device this libtorch cannot use is one of the config's problems too, named by the --set that gave it
        Files.createDirectories(dir.resolve("model"));
        Path gpu = write("gpu.yaml",
                "backend: {type: local, model: " + dir.resolve("model") + "}",
                "data: {path: " + dir.resolve("p.jsonl") + "}",
                "rsa: {population: 0}",
                "output_dir: " + dir.resolve("out"));
        assertProblems(gpu, List.of(
                gpu + ": key 'rsa.population': must be >= 1, got 0",
                "--set backend.device=cuda:7: key 'backend.device': cuda:7: "),
                "eval", "--config", gpu.toString(), "--no-progress", "--set", "backend.device=cuda:7");
        // a missing required key does not hide the checks of the rest of its section (listed at the section's place)
        Path cand = write("cand.yaml",
                "backend: {type: local, max_batch: 0}",
                "data: {limit: 0}",
                "output: " + dir.resolve("out/pools.jsonl"));
        assertProblems(cand, List.of(
                cand + ": key 'backend.model': required",
                cand + ": key 'backend.max_batch': must be >= 1, got 0",
                cand + ": key 'data.path': required",
                cand + ": key 'data.limit': must be >= 1, got 0"),
                "candidates", "--config", cand.toString(), "--no-progress");
    }
}
