package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rsarl.rewards.Grade;
import rsarl.rewards.Problem;
import rsarl.rewards.ProblemReader;
import rsarl.rewards.Verifier;
import rsarl.rewards.Verifiers;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * {@code rsa grade}: each input line has {@code id}, {@code response} (a full model output or a bare
 * answer), {@code answer} (gold) and the task's fields; each output line has {@code id}, {@code score},
 * {@code extracted}, {@code gold_extracted} and {@code reason}. A line without its response or gold is an
 * error naming the file, line and field, not a silent 0. A one-line summary goes to stderr.
 */
@Command(name = "grade", mixinStandardHelpOptions = true,
        description = "Grade responses with a verifiable reward (JSONL in, JSONL out).")
final class GradeCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--task", required = true, description = "math, choice, code, general or puzzle:<family>")
    String task;

    @Option(names = "--input", required = true, description = "JSONL with id, response, answer and task fields")
    Path input;

    @Option(names = "--output", description = "JSONL of {id, score, extracted, gold_extracted, reason} (default: stdout)")
    Path output;

    @Option(names = "--threads", description = "parallel graders (default: available cores)")
    Integer threads;

    private record Item(Problem problem, String response) {
    }

    @Override
    public Integer call() throws Exception {
        Verifier verifier = Verifiers.forTask(task);
        if (task.trim().equals("code") && rsarl.rewards.code.Sandbox.refusal() != null) {
            throw new IllegalStateException(rsarl.rewards.code.Sandbox.refusal()); // before reading anything
        }
        List<Item> items = new ArrayList<>();
        ProblemReader.forEachLine(input, (node, lineNo) -> {
            JsonNode r = node.get("response");
            if (r == null) {
                throw new IllegalArgumentException("missing field 'response'");
            }
            Problem p = ProblemReader.fromJson(node, task, input + ":" + lineNo, lineNo);
            String missing = missingGold(p);
            if (missing != null) {
                throw new IllegalArgumentException("missing field " + missing);
            }
            // null (a failed generation) grades as an empty response: score 0
            items.add(new Item(p, r.isNull() ? "" : r.isTextual() ? r.asText() : r.toString()));
        });
        Grade[] grades = gradeAll(verifier, items);
        double sum = 0;
        int correct = 0;
        try (Writer w = openOutput()) {
            for (int i = 0; i < items.size(); i++) {
                ObjectNode o = JSON.createObjectNode();
                o.put("id", items.get(i).problem().id());
                o.put("score", grades[i].score());
                o.put("extracted", grades[i].extracted());
                o.put("gold_extracted", verifier.goldExtracted(items.get(i).problem()));
                o.put("reason", grades[i].reason());
                w.write(JSON.writeValueAsString(o));
                w.write('\n');
                sum += grades[i].score();
                correct += grades[i].correct() ? 1 : 0;
            }
        }
        double mean = items.isEmpty() ? 0 : sum / items.size();
        spec.commandLine().getErr().printf("graded %d responses (task %s): mean score %.4f, fully correct %d%n",
                items.size(), task, mean, correct);
        spec.commandLine().getErr().flush();
        return 0;
    }

    /** The gold field this task needs when the line lacks it, else null. */
    private String missingGold(Problem p) {
        String t = task.trim();
        if (t.equals("code")) {
            return p.tests() == null || p.tests().isNull() ? "'tests'" : null;
        }
        if (t.startsWith("puzzle:")) {
            return p.answer() == null && (p.metadata() == null || p.metadata().isNull()) ? "'answer' (or 'metadata')" : null;
        }
        return p.answer() == null
                ? "'answer' (also read from final_answer, gold, target, solution or reward_model.ground_truth)" : null;
    }

    private Grade[] gradeAll(Verifier verifier, List<Item> items) throws InterruptedException, ExecutionException {
        Grade[] grades = new Grade[items.size()];
        int n = threads != null ? Math.max(1, threads) : Runtime.getRuntime().availableProcessors();
        ForkJoinPool pool = new ForkJoinPool(n);
        try {
            pool.submit(() -> IntStream.range(0, items.size()).parallel()
                    .forEach(i -> grades[i] = verifier.grade(items.get(i).response(), items.get(i).problem()))).get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            while (c instanceof RuntimeException && c.getCause() instanceof RuntimeException
                    && c.getMessage() != null && c.getMessage().equals(c.getCause().toString())) {
                c = c.getCause(); // ForkJoin re-wraps a worker's exception
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        } finally {
            pool.shutdown();
        }
        return grades;
    }

    private Writer openOutput() throws IOException {
        if (output == null) {
            PrintWriter out = spec.commandLine().getOut();
            return new Writer() {
                public void write(char[] b, int off, int len) {
                    out.write(b, off, len);
                }

                public void flush() {
                    out.flush();
                }

                public void close() {
                    out.flush();
                }
            };
        }
        Path parent = output.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        BufferedWriter w = Files.newBufferedWriter(output, StandardCharsets.UTF_8);
        return w;
    }
}
