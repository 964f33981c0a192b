package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import rsarl.rollout.backend.Backend;
import rsarl.rollout.backend.BackendResult;
import rsarl.rollout.backend.ChatRequest;
import rsarl.rollout.backend.ResultListener;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code rsa sweep} over eval runs with a backend whose answers depend on the request seed. */
class SweepCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Counts the requests it answers (each request's answer is its seed mod 3; the gold is 1). */
    private final AtomicInteger requests = new AtomicInteger();

    private Backend backend() {
        EvalCommandTest.SeedDigitBackend inner = new EvalCommandTest.SeedDigitBackend();
        return new Backend() {
            @Override
            public List<BackendResult> generate(List<ChatRequest> r, ResultListener listener) {
                requests.addAndGet(r.size());
                return inner.generate(r, listener);
            }

            @Override
            public String describe() {
                return "counting";
            }

            @Override
            public void close() {
            }
        };
    }

    private Path sweep(String grid) throws IOException {
        Path data = dir.resolve("data.jsonl");
        Files.writeString(data, """
                {"id": "a", "prompt": "Say 1.", "answer": "1"}
                {"id": "b", "prompt": "Say 1 again.", "answer": "1"}
                {"id": "c", "prompt": "Once more.", "answer": "1"}
                """);
        Path base = dir.resolve("eval.yaml");
        Files.writeString(base, """
                backend: {type: openai, base_url: "http://127.0.0.1:9/v1", model: m}
                data: {path: "%s", task: math}
                rsa: {population: 4, k: 2, steps: 2}
                seed: 1
                output_dir: unused
                """.formatted(data));
        Path sweep = dir.resolve("sweep.yaml");
        Files.writeString(sweep, """
                command: eval
                base: "%s"
                grid:
                %s
                seeds: [0, 1, 2]
                output_dir: "%s"
                """.formatted(base, grid, dir.resolve("sweep")));
        return sweep;
    }

    private record Result(int code, String out, String err) {}

    private Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(progress, true, StandardCharsets.UTF_8));
        try {
            CommandLine cl = new CommandLine(new SweepCommand(t -> new EvalCommandTest.LastBoxed(),
                    Wiring.problemReader(), cfg -> backend()));
            cl.setOut(new PrintWriter(out));
            cl.setErr(new PrintWriter(err));
            cl.setExecutionExceptionHandler(new OneLineErrors());
            int code = cl.execute(args);
            return new Result(code, out.toString(), err + progress.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(old);
        }
    }

    private double finalPass1(String cell, long seed) throws IOException {
        JsonNode s = JSON.readTree(dir.resolve("sweep").resolve(cell).resolve("seed-" + seed).resolve("summary.json")
                .toFile());
        return s.get("final").get("pass@1").get("mean").asDouble();
    }

    @Test
    void everyCellRunsOncePerSeedAndTheSummaryAggregatesThem() throws IOException {
        Path sweep = sweep("  rsa.k: [1, 2]\n  rsa.steps: [1, 2]");
        Result r = run("--config", sweep.toString());
        assertEquals(0, r.code(), r.err());
        Path out = dir.resolve("sweep");
        List<String> csv = Files.readAllLines(out.resolve("summary.csv"));
        assertEquals("rsa.k,rsa.steps,pass@1_mean,pass@1_std,majority_mean,majority_std,pass@n_mean,pass@n_std,n",
                csv.get(0));
        assertEquals(5, csv.size(), String.join("\n", csv));
        String[][] cells = {{"1", "1"}, {"1", "2"}, {"2", "1"}, {"2", "2"}};
        for (int i = 0; i < 4; i++) {
            String name = "k=" + cells[i][0] + ",steps=" + cells[i][1];
            double[] v = {finalPass1(name, 0), finalPass1(name, 1), finalPass1(name, 2)};
            double mean = (v[0] + v[1] + v[2]) / 3;
            double ss = 0;
            for (double x : v) {
                ss += (x - mean) * (x - mean);
            }
            String[] row = csv.get(i + 1).split(",");
            assertEquals(cells[i][0], row[0]);
            assertEquals(cells[i][1], row[1]);
            assertEquals(mean, Double.parseDouble(row[2]), 1e-6, name);
            assertEquals(Math.sqrt(ss / 2), Double.parseDouble(row[3]), 1e-6, name);
            assertEquals("3", row[row.length - 1]);
            // Each run is a normal eval folder with its own seed.
            assertEquals(1, JSON.readTree(out.resolve(name).resolve("seed-1").resolve("summary.json").toFile())
                    .get("seeds").get(0).asLong());
        }
        String md = Files.readString(out.resolve("summary.md"));
        assertTrue(md.contains("| rsa.k | rsa.steps | pass@1 | majority | pass@n | n |"), md);
        assertTrue(md.contains("Paired differences against the first cell (`k=1,steps=1`)"), md);
        double d = 0;
        double[] diffs = new double[3];
        for (int s = 0; s < 3; s++) {
            diffs[s] = finalPass1("k=2,steps=2", s) - finalPass1("k=1,steps=1", s);
            d += diffs[s] / 3;
        }
        assertTrue(md.contains("| k=2,steps=2 | " + String.format(Locale.ROOT, "%+.4f", d) + " ± "), md);
        assertTrue(Files.size(out.resolve("summary.png")) > 1000);
        assertTrue(r.err().contains("sweep: [12/12]"), r.err());
    }

    @Test
    void aRerunSkipsFinishedRunsAndResumesUnfinishedOnes() throws IOException {
        Path sweep = sweep("  rsa.k: [1, 2]");
        assertEquals(0, run("--config", sweep.toString()).code());
        int all = requests.getAndSet(0);
        assertEquals(6 * 3 * 4 * 2, all); // 6 runs x 3 problems x N=4 x T=2
        String before = Files.readString(dir.resolve("sweep/summary.csv"));
        // A run killed after its generations (no summary yet) and a run never started.
        Files.delete(dir.resolve("sweep/k=2/seed-1/summary.json"));
        deleteTree(dir.resolve("sweep/k=1/seed-0"));
        Result r = run("--config", sweep.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(3 * 4 * 2, requests.get(), "only the never-started run sends requests");
        assertEquals(4, r.err().lines().filter(l -> l.contains("finished earlier, skipped")).count(), r.err());
        assertTrue(r.err().contains("k=2/seed-1: resuming"), r.err());
        assertEquals(before, Files.readString(dir.resolve("sweep/summary.csv")));
    }

    @Test
    void dryRunListsTheRunsAndRunsNothing() throws IOException {
        Path sweep = sweep("  rsa.k: [1, 2, 4]");
        Result r = run("--config", sweep.toString(), "--dry-run");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("3 cells x 3 seeds = 9 runs of rsa eval"), r.out());
        assertEquals(10, r.out().lines().count(), r.out());
        assertTrue(r.out().contains("k=4/seed-2  to run  rsa.k=4 seed=2"), r.out());
        assertEquals(0, requests.get());
        assertFalse(Files.exists(dir.resolve("sweep")));
    }

    @Test
    void aBadGridKeyStopsTheSweepBeforeAnyRunNamingTheRunAndKey() throws IOException {
        Path sweep = sweep("  rsa.k: [1, 2]\n  rsa.kay: [3]");
        Result r = run("--config", sweep.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("run k=1,kay=3/seed-0") && r.err().contains("rsa.kay"), r.err());
        assertEquals(0, requests.get());
    }

    @Test
    void aBadSweepFileListsEveryProblem() throws IOException {
        Path sweep = dir.resolve("bad.yaml");
        Files.writeString(sweep, "command: evaluate\ngrid: {rsa.k: []}\nseeds: [1, 1]\nmax_paralel: 2\n");
        Result r = run("--config", sweep.toString());
        assertEquals(1, r.code());
        List<String> each = List.of("key 'max_paralel': unknown key", "key 'command': bad value 'evaluate'",
                "key 'base': required", "key 'grid.rsa.k': lists no values", "key 'seeds': must be distinct",
                "key 'output_dir': required");
        List<String> lines = r.err().lines().toList();
        assertEquals(1 + each.size(), lines.size(), r.err());
        assertTrue(lines.get(0).endsWith(sweep + ": 6 problems; nothing was run:"), r.err());
        for (int i = 0; i < each.size(); i++) {
            assertTrue(lines.get(i + 1).startsWith("  " + sweep + ": " + each.get(i)), each.get(i) + " in " + r.err());
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
