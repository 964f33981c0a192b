package rsarl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rsarl.rewards.puzzle.Puzzle;
import rsarl.rewards.puzzle.Puzzles;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code rsa make-dataset}: writes seeded puzzle problems (with reference solutions) as JSONL. */
@Command(name = "make-dataset", mixinStandardHelpOptions = true,
        description = "Generate puzzle problems: {id, prompt, answer, task, solution, metadata} per line.")
final class MakeDatasetCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--task", required = true, description = "puzzle:<family>; families: ${COMPLETION-CANDIDATES}",
            completionCandidates = Families.class)
    String task;

    @Option(names = "--n", defaultValue = "1000", description = "number of problems (default ${DEFAULT-VALUE})")
    int n;

    @Option(names = "--seed", defaultValue = "0", description = "generator seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--difficulty", defaultValue = "1", description = "1 = easiest (default ${DEFAULT-VALUE})")
    int difficulty;

    @Option(names = "--out", required = true, description = "output JSONL file")
    Path out;

    static final class Families implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Puzzles.families().stream().map(f -> "puzzle:" + f).iterator();
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!task.startsWith("puzzle:")) {
            throw new IllegalArgumentException("--task must be puzzle:<family> (families: "
                    + String.join(", ", Puzzles.families()) + "), got '" + task + "'");
        }
        if (n < 0) {
            throw new IllegalArgumentException("--n must be >= 0, got " + n);
        }
        String family = task.substring("puzzle:".length());
        List<Puzzle> puzzles = Puzzles.generate(family, n, seed, difficulty);
        Path abs = out.toAbsolutePath();
        if (abs.getParent() != null) {
            Files.createDirectories(abs.getParent());
        }
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            for (int i = 0; i < puzzles.size(); i++) {
                Puzzle p = puzzles.get(i);
                ObjectNode o = JSON.createObjectNode();
                o.put("id", family + "-" + seed + "-" + i);
                o.put("prompt", p.question());
                o.put("answer", p.answer());
                o.put("task", task);
                o.put("solution", p.solution());
                o.set("metadata", p.metadata());
                w.write(JSON.writeValueAsString(o));
                w.write('\n');
            }
        }
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        spec.commandLine().getErr().printf("wrote %d problems (%s, difficulty %d, seed %d) to %s%n",
                puzzles.size(), task, difficulty, seed, out);
        spec.commandLine().getErr().flush();
        return 0;
    }
}
