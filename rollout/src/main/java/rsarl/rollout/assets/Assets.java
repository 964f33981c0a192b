package rsarl.rollout.assets;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import rsarl.model.BpeTokenizerBuilder;
import rsarl.model.QwenModel;
import rsarl.model.QwenTokenizer;
import rsarl.rewards.ProblemReader;
import rsarl.rewards.Verifiers;
import rsarl.rewards.puzzle.Puzzle;
import rsarl.rewards.puzzle.Puzzles;
import rsarl.rollout.backend.BackendFactory;
import rsarl.rollout.candidates.CandidatePool;
import rsarl.rollout.config.BackendConfig;
import rsarl.rollout.config.CandidatesConfig;
import rsarl.rollout.config.DataConfig;
import rsarl.rollout.config.SamplingConfig;
import rsarl.rollout.rsa.RsaLoop;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * "Create if missing" for the inputs of a run, so that a demo config needs nothing prepared by hand. Each input is
 * made only when its file or folder is absent, always the same way for the same settings (seeded), and moved into
 * place only once complete, so an interrupted creation is redone (pools resume) instead of being half-used:
 * <ul>
 *   <li>a model folder without {@code config.json}: a BPE tokenizer plus a random-init Qwen3 of a preset size
 *       ({@link ModelInit});</li>
 *   <li>a problems file: seeded puzzles of one family, in the lines {@code rsa make-dataset} writes
 *       ({@link DataGenerate});</li>
 *   <li>a candidate pools file: M samples per problem from a reference model, exactly what {@code rsa candidates}
 *       writes ({@link PoolsGenerate}).</li>
 * </ul>
 */
public final class Assets {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Assets() {
    }

    /**
     * {@code init: {preset, seed, vocab_size}}: the random model made when the model folder lacks config.json.
     *
     * @param vocabSize size of the project's BPE tokenizer trained for it (default 512)
     */
    public record ModelInit(String preset, Long seed, Integer vocabSize) {
        public ModelInit {
            if (preset == null || preset.isBlank()) {
                throw new IllegalArgumentException("preset: required");
            }
            if (!rsarl.model.ModelPresets.NAMES.contains(preset)) {
                throw new IllegalArgumentException("preset: unknown '" + preset + "' (known: "
                        + String.join(", ", rsarl.model.ModelPresets.NAMES) + ")");
            }
            seed = seed == null ? 0L : seed;
            vocabSize = vocabSize == null ? BpeTokenizerBuilder.DEFAULT_VOCAB_SIZE : vocabSize;
            int min = 256 + BpeTokenizerBuilder.ADDED_TOKENS.size();
            if (vocabSize < min || vocabSize > 65_536) {
                throw new IllegalArgumentException("vocab_size: must be in [" + min + ", 65536], got " + vocabSize);
            }
        }
    }

    /** {@code generate: {task: puzzle:<family>, n, seed, difficulty}}: the problems made when the file is missing. */
    public record DataGenerate(String task, Integer n, Long seed, Integer difficulty) {
        public DataGenerate {
            if (task == null || !task.startsWith("puzzle:")) {
                throw new IllegalArgumentException("task: must be puzzle:<family> (families: "
                        + String.join(", ", Puzzles.families()) + "), got '" + task + "'");
            }
            Puzzles.family(task.substring("puzzle:".length()));
            n = n == null ? 64 : n;
            seed = seed == null ? 0L : seed;
            difficulty = difficulty == null ? 1 : difficulty;
            if (n < 1) {
                throw new IllegalArgumentException("n: must be >= 1, got " + n);
            }
            if (difficulty < 1) {
                throw new IllegalArgumentException("difficulty: must be >= 1, got " + difficulty);
            }
        }
    }

    /**
     * {@code pools_generate: {per_problem, seed, temperature, max_tokens, max_batch}}: the candidate pools sampled
     * from the reference model when the pools file is missing ({@code max_tokens} null: the caller's completion
     * length; {@code per_problem} as in {@code rsa candidates}).
     */
    public record PoolsGenerate(Integer perProblem, Long seed, Double temperature, Integer maxTokens, Integer maxBatch) {
        public PoolsGenerate {
            perProblem = perProblem == null ? 8 : perProblem;
            seed = seed == null ? 1234L : seed;
            temperature = temperature == null ? 1.0 : temperature;
            maxBatch = maxBatch == null ? 32 : maxBatch;
            if (perProblem < 1) {
                throw new IllegalArgumentException("per_problem: must be >= 1, got " + perProblem);
            }
            if (maxTokens != null && maxTokens < 1) {
                throw new IllegalArgumentException("max_tokens: must be >= 1, got " + maxTokens);
            }
            if (!(temperature >= 0)) {
                throw new IllegalArgumentException("temperature: must be >= 0, got " + temperature);
            }
        }
    }

    /**
     * Creates what an eval config asks for and lacks: the local backend's model folder ({@code init}) and the
     * problems file ({@code data.generate}).
     */
    public static void prepare(rsarl.rollout.config.EvalConfig cfg, PrintStream log) {
        if (cfg.init() != null) {
            ensureModel(Path.of(cfg.backend().model()), cfg.init(), log);
        }
        if (cfg.data().generate() != null) {
            ensureProblems(Path.of(cfg.data().path()), cfg.data().generate(), log);
        }
    }

    /**
     * Refuses an {@code init} that would create a model folder the config file does not name: a model path set on
     * the command line ({@code --set KEY=...}, e.g. a mistyped checkpoint) or one inside a training run's
     * {@code checkpoint-N} folder must exist, or a random model would silently take its place.
     *
     * @param tree   the config with the overrides applied
     * @param pointer JSON pointer of the model key, e.g. {@code /backend/model}
     * @param key     its dotted name, e.g. {@code backend.model}
     * @param errors  where the problem goes (it names the {@code --set} assignment or the file)
     */
    public static void checkInitTarget(com.fasterxml.jackson.databind.JsonNode tree, String pointer, String key,
            rsarl.rollout.config.ConfigErrors errors) {
        com.fasterxml.jackson.databind.JsonNode init = tree.get("init");
        com.fasterxml.jackson.databind.JsonNode model = tree.at(pointer);
        if (init == null || init.isNull() || !model.isTextual() || hasModel(Path.of(model.asText()))) {
            return;
        }
        if (errors.setByOverride(key)) {
            errors.add(key, "model folder not found: " + model.asText() + " (init creates only the model folder "
                    + errors.source() + " names)");
            return;
        }
        for (Path part : Path.of(model.asText())) {
            if (part.toString().matches("checkpoint-\\d+")) {
                errors.add(key, "model folder not found: " + model.asText()
                        + " (init does not create models inside a training run's folder)");
                return;
            }
        }
    }

    /** Whether {@code dir} holds a model (its config.json). */
    public static boolean hasModel(Path dir) {
        return Files.isRegularFile(dir.resolve("config.json"));
    }

    /** Creates the model folder from {@code init} when it has no config.json; returns whether it did. */
    public static boolean ensureModel(Path dir, ModelInit init, PrintStream log) {
        if (hasModel(dir)) {
            return false;
        }
        Path abs = dir.toAbsolutePath();
        if (!isEmptyOrAbsent(abs)) {
            throw new IllegalArgumentException(dir + " exists but holds no config.json: not creating a model over"
                    + " its files (remove the folder or point the config at another one)");
        }
        Path tokDir = abs.resolveSibling("." + abs.getFileName() + ".tokenizer-" + System.nanoTime());
        try {
            // On stdout: the one folder a run creates besides its outputs.
            System.out.println("init: creating " + dir + ": the project's tokenizer (vocab " + init.vocabSize()
                    + ") and a random " + init.preset() + " model (seed " + init.seed() + ")");
            System.out.flush();
            BpeTokenizerBuilder.Result tok = new BpeTokenizerBuilder(init.vocabSize()).write(tokDir);
            List<Integer> eos;
            try (QwenTokenizer t = QwenTokenizer.load(tokDir)) {
                eos = t.eosIds();
            }
            // The writer moves a complete folder into place; the tokenizer is copied in before it gets config.json
            // last, so a kill in between leaves no config.json and the folder is made again.
            Path staged = abs.resolveSibling("." + abs.getFileName() + ".model-" + System.nanoTime());
            QwenModel.initRandom(init.preset(), tok.vocabSize(), eos, init.seed(), staged);
            for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
                Files.copy(tokDir.resolve(f), staged.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
            deleteTree(abs);
            Files.createDirectories(abs.getParent());
            Files.move(staged, abs, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create model " + dir + ": " + rsarl.rollout.eval.AtomicFiles.reason(e), e);
        } finally {
            deleteTree(tokDir);
        }
    }

    /** Writes the generated problems when {@code file} is missing; returns whether it did. */
    public static boolean ensureProblems(Path file, DataGenerate gen, PrintStream log) {
        if (Files.isRegularFile(file)) {
            return false;
        }
        String family = gen.task().substring("puzzle:".length());
        List<Puzzle> puzzles = Puzzles.generate(family, gen.n(), gen.seed(), gen.difficulty());
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        try {
            Files.createDirectories(abs.getParent());
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                for (int i = 0; i < puzzles.size(); i++) {
                    w.write(JSON.writeValueAsString(problemLine(family, gen.seed(), i, puzzles.get(i))));
                    w.write('\n');
                }
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write problems " + file + ": " + rsarl.rollout.eval.AtomicFiles.reason(e), e);
        }
        log.println("generated " + puzzles.size() + " " + gen.task() + " problems (seed " + gen.seed() + ") into "
                + file);
        return true;
    }

    /** One problems line as {@code rsa make-dataset} writes it. */
    public static ObjectNode problemLine(String family, long seed, int index, Puzzle p) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", family + "-" + seed + "-" + index);
        o.put("prompt", p.question());
        o.put("answer", p.answer());
        o.put("task", "puzzle:" + family);
        o.put("solution", p.solution());
        o.set("metadata", p.metadata());
        return o;
    }

    /**
     * Samples the pools into {@code file} when it is missing, with {@code rsa candidates} (local backend on
     * {@code modelDir}). Sampling goes to {@code <file>.partial} first (a rerun resumes it) and is renamed when done.
     *
     * @param maxTokens completion length used when {@code gen.max_tokens} is not set
     */
    public static boolean ensurePools(Path file, Path modelDir, Path problems, String task, String device,
                                      PoolsGenerate gen, int maxTokens, PrintStream log) {
        if (Files.isRegularFile(file)) {
            return false;
        }
        Path abs = file.toAbsolutePath();
        Path partial = abs.resolveSibling(abs.getFileName() + ".partial");
        int tokens = gen.maxTokens() != null ? gen.maxTokens() : maxTokens;
        log.println("sampling candidate pools (" + gen.perProblem() + " per problem, " + tokens + " tokens max) from "
                + modelDir + " into " + file);
        BackendConfig backend = new BackendConfig("local", null, modelDir.toString(), null, null, null, null, null,
                device, gen.maxBatch());
        CandidatesConfig cfg = new CandidatesConfig(backend, new DataConfig(problems.toString(), task, null),
                new SamplingConfig(gen.temperature(), 1.0, 0, 0.0, tokens, null), gen.seed(),
                new CandidatesConfig.Section(gen.perProblem()), partial.toString());
        new CandidatePool(cfg, ProblemReader::read, Verifiers::forTask, BackendFactory.builtIn())
                .run(RsaLoop.Listener.NONE);
        try {
            Files.move(partial, abs, StandardCopyOption.ATOMIC_MOVE);
            Path manifest = partial.resolveSibling(partial.getFileName() + ".run.json");
            if (Files.exists(manifest)) {
                Files.move(manifest, abs.resolveSibling(abs.getFileName() + ".run.json"),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + rsarl.rollout.eval.AtomicFiles.reason(e), e);
        }
        return true;
    }

    private static boolean isEmptyOrAbsent(Path dir) {
        if (!Files.exists(dir)) {
            return true;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
