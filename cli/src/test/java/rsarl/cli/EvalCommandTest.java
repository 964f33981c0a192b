package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import rsarl.rewards.Grade;
import rsarl.rewards.Problem;
import rsarl.rewards.Verifier;
import rsarl.rollout.backend.Backend;
import rsarl.rollout.backend.BackendFactory;
import rsarl.rollout.backend.BackendResult;
import rsarl.rollout.backend.ChatRequest;
import rsarl.rollout.backend.ResultListener;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvalCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Answers the digit of the request seed mod 3; the gold answer of every problem is "1". */
    static final class SeedDigitBackend implements Backend {
        @Override
        public List<BackendResult> generate(List<ChatRequest> requests, ResultListener listener) {
            List<BackendResult> out = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                BackendResult r = new BackendResult("so \\boxed{" + requests.get(i).seed() % 3 + "}", 10, 5, "stop");
                out.add(r);
                listener.onResult(i, r);
            }
            return out;
        }

        @Override
        public String describe() {
            return "digits";
        }

        @Override
        public void close() {
        }
    }

    static final class LastBoxed implements Verifier {
        @Override
        public String extract(String response, Problem problem) {
            int at = response.lastIndexOf("\\boxed{");
            return at < 0 ? null : response.substring(at + 7, response.indexOf('}', at));
        }

        @Override
        public Grade grade(String response, Problem problem) {
            String x = extract(response, problem);
            return new Grade(problem.answer().equals(x) ? 1 : 0, x, "");
        }

        @Override
        public boolean equivalent(String a, String b, Problem problem) {
            return a.equals(b);
        }
    }

    private final BackendFactory backends = cfg -> new SeedDigitBackend();

    private Path setup() throws IOException {
        Path data = dir.resolve("data.jsonl");
        Files.writeString(data, """
                {"id": "a", "prompt": "Say 1.", "answer": "1"}
                {"id": "b", "prompt": "Say 1 again.", "answer": "1", "task": "math"}
                """);
        Path yaml = dir.resolve("eval.yaml");
        Files.writeString(yaml, """
                backend: {type: openai, base_url: "http://127.0.0.1:9/v1", model: m}
                data: {path: "%s", task: math}
                rsa: {population: 4, k: 2, steps: 3}
                seed: 1
                output_dir: "%s"
                """.formatted(data, dir.resolve("out")));
        return yaml;
    }

    private int run(Object command, StringWriter out, StringWriter err, String... args) {
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        cl.setExecutionExceptionHandler(new OneLineErrors());
        return cl.execute(args);
    }

    @Test
    void evalWritesOutputsAndPrintsATable() throws IOException {
        Path yaml = setup();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = run(new EvalCommand(t -> new LastBoxed(), Wiring.problemReader(), backends), out, err,
                "--config", yaml.toString(), "--no-progress", "--set", "seeds=[1,2]");
        assertEquals(0, code, err.toString());
        Path o = dir.resolve("out");
        assertEquals(2 * 3, Files.readAllLines(o.resolve("metrics.jsonl")).size());
        assertEquals(2 * 2 * 4 * 3, Files.readAllLines(o.resolve("generations.jsonl")).size());
        assertTrue(Files.size(o.resolve("accuracy.png")) > 1000);
        assertTrue(Files.exists(o.resolve("summary.json")));
        // Header + one row per step + the closing line.
        assertEquals(5, out.toString().lines().count(), out.toString());
        assertTrue(out.toString().contains("±"));
    }

    @Test
    void setOverridesApply() throws IOException {
        Path yaml = setup();
        int code = run(new EvalCommand(t -> new LastBoxed(), Wiring.problemReader(), backends), new StringWriter(),
                new StringWriter(), "--config", yaml.toString(), "--no-progress", "--set", "rsa.steps=1",
                "--set", "data.limit=1");
        assertEquals(0, code);
        List<String> lines = Files.readAllLines(dir.resolve("out/metrics.jsonl"));
        assertEquals(1, lines.size());
        assertEquals(1, JSON.readTree(lines.get(0)).get("problems").asInt());
    }

    @Test
    void badConfigEndsInOneLineNamingKeyAndFile() throws IOException {
        Path yaml = setup();
        StringWriter err = new StringWriter();
        int code = run(new EvalCommand(t -> new LastBoxed(), Wiring.problemReader(), backends), new StringWriter(), err,
                "--config", yaml.toString(), "--no-progress", "--set", "rsa.kay=2");
        assertEquals(1, code);
        assertEquals(1, err.toString().lines().count(), err.toString());
        assertTrue(err.toString().contains("rsa.kay") && err.toString().contains("--set rsa.kay=2"), err.toString());
    }

    @Test
    void aBadSetKeyOrValueNamesTheCommandLineNotTheFile() throws IOException {
        Path yaml = setup();
        for (String[] c : new String[][] {{"rsa.kay=2", "--set rsa.kay=2: key 'rsa.kay': unknown key"},
                {"rsa.k=9", "--set rsa.k=9: key 'rsa.k': must be <= population (4), got 9"},
                {"seed=\"x\"", "--set seed=\"x\": key 'seed': expected an integer"}}) {
            StringWriter err = new StringWriter();
            int code = run(new EvalCommand(t -> new LastBoxed(), Wiring.problemReader(), backends), new StringWriter(),
                    err, "--config", yaml.toString(), "--no-progress", "--set", c[0]);
            assertEquals(1, code);
            assertTrue(err.toString().contains(c[1]) && !err.toString().contains("eval.yaml"), err.toString());
        }
        // A bad key in the file still names the file.
        Files.writeString(yaml, Files.readString(yaml) + "sampling: {temprature: 0.5}\n");
        StringWriter err = new StringWriter();
        run(new EvalCommand(t -> new LastBoxed(), Wiring.problemReader(), backends), new StringWriter(), err,
                "--config", yaml.toString(), "--no-progress", "--set", "rsa.k=1");
        assertTrue(err.toString().contains("eval.yaml: key 'sampling.temprature': unknown key"), err.toString());
    }

    @Test
    void badDataLineNamesFileAndLine() throws IOException {
        Path yaml = setup();
        Files.writeString(dir.resolve("data.jsonl"), "{\"id\": \"a\", \"prompt\": \"x\"}\n{not json\n");
        StringWriter err = new StringWriter();
        int code = run(new EvalCommand(t -> new LastBoxed(), Wiring.problemReader(), backends), new StringWriter(), err,
                "--config", yaml.toString(), "--no-progress");
        assertEquals(1, code);
        assertTrue(err.toString().contains("data.jsonl:2"), err.toString());
    }

    @Test
    void candidatesWritesAPoolPerProblem() throws IOException {
        setup();
        Path yaml = dir.resolve("cand.yaml");
        Files.writeString(yaml, """
                backend: {type: openai, base_url: "http://127.0.0.1:9/v1", model: reference}
                data: {path: "%s", task: math}
                candidates: {per_problem: 5}
                output: "%s"
                """.formatted(dir.resolve("data.jsonl"), dir.resolve("pools/pool.jsonl")));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = run(new CandidatesCommand(t -> new LastBoxed(), Wiring.problemReader(), backends), out,
                err, "--config", yaml.toString(), "--no-progress");
        assertEquals(0, code, err.toString());
        List<String> lines = Files.readAllLines(dir.resolve("pools/pool.jsonl"));
        assertEquals(10, lines.size());
        for (String line : lines) {
            JsonNode n = JSON.readTree(line);
            assertTrue(n.has("problem_id") && n.has("response") && n.has("score"));
            String digit = n.get("extracted").asText();
            assertEquals(digit.equals("1") ? 1.0 : 0.0, n.get("score").asDouble());
        }
        assertTrue(out.toString().contains("wrote 10 candidates"), out.toString());
    }

    @Test
    void subcommandsAreRegistered() {
        assertEquals(0, Rsa.run("eval", "--help"));
        assertEquals(0, Rsa.run("candidates", "--help"));
    }
}
