package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rsarl.rewards.Problem;
import rsarl.rewards.ProblemReader;
import rsarl.rewards.puzzle.Puzzle;
import rsarl.rewards.puzzle.PuzzleFamily;
import rsarl.rewards.puzzle.Puzzles;
import rsarl.rollout.eval.AtomicFiles;
import rsarl.rollout.prompt.AggregationTemplate;
import rsarl.rollout.prompt.PromptBuilder;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.Callable;

/** {@code rsa make-dataset}: writes seeded puzzle problems (with reference solutions) as JSONL. */
@Command(name = "make-dataset", mixinStandardHelpOptions = true,
        description = "Generate puzzle problems: {id, prompt, answer, task, solution, metadata} per line.")
final class MakeDatasetCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PuzzleFamily puzzleFamily;

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

    @Option(names = "--sft-out", paramLabel = "FILE", description = "also write SFT pairs {prompt, response}: the "
            + "standard RSA prompt of each problem and its reference solution")
    Path sftOut;

    @Option(names = "--sft-layout-share", defaultValue = "0", paramLabel = "F", description = "share of SFT pairs "
            + "whose prompt is an aggregation prompt with K distractor candidates (reference solutions of other "
            + "problems, so useless for this one): teaches reading the long prompt layout, not aggregating (default 0)")
    double sftLayoutShare;

    @Option(names = "--sft-agg-share", defaultValue = "0", paramLabel = "F", description = "share of SFT pairs "
            + "whose prompt is the aggregation prompt over K candidates of the SAME problem: each candidate is the "
            + "reference solution or, with probability 1/2, a copy with one number changed; the response is the "
            + "reference solution (teaches reading candidates; default ${DEFAULT-VALUE})")
    double sftAggShare;

    @Option(names = "--sft-agg-target", defaultValue = "solution", paramLabel = "solution|answer|majority",
            description = "response of the --sft-agg-share pairs: 'solution' (the reference solution, default), "
                    + "'answer' (only the right answer's tag) or 'majority' (the tag of the candidates' most common "
                    + "answer, ties to the one shown first: teaches voting, not guessing past the candidates). With "
                    + "'answer' and 'majority' the K candidates are vote rows: each one "
                    + "has the right final answer with a per-pair probability q in [0.2, 0.9] and otherwise a wrong "
                    + "one a few units off (its last step changed to match); half the pairs show the candidates as "
                    + "bare answer tags, as later RSA states do. The model learns to answer from the candidates' "
                    + "agreement instead of re-deriving the solution")
    String sftAggTarget;

    @Option(names = "--sft-attempt-share", defaultValue = "0", paramLabel = "F", description = "share of the standard "
            + "SFT pairs whose response is the family's honest attempt at a wrong answer (its check lines computed "
            + "correctly, so they show the miss); only for families with a guess-and-check form (puzzle:modsolve, puzzle:modcheck). "
            + "A toy model trained on right solutions alone learns to copy the target into its last check line, and "
            + "then its candidates no longer show which of them is right (default ${DEFAULT-VALUE})")
    double sftAttemptShare;

    @Option(names = "--sft-answer-noise", defaultValue = "0", paramLabel = "F", description = "share of the standard "
            + "SFT pairs whose final answer (and the last step's result with it) is replaced by a wrong one drawn "
            + "uniformly (any other residue of a modular puzzle): the model learns a solver that is right with "
            + "probability about 1-F and whose errors differ from sample to sample, the regime where RSA's vote "
            + "gains and RL has a gap to close (default ${DEFAULT-VALUE})")
    double sftAnswerNoise;

    @Option(names = "--sft-agg-copy-share", defaultValue = "0", paramLabel = "F", description = "share of the "
            + "--sft-agg-share pairs whose response copies one of the shown candidates, drawn uniformly, right or "
            + "wrong, instead of the reference solution: the base then aggregates by copying without checking, as "
            + "an instruct model never trained to aggregate, and aggregation-aware RL has something to learn "
            + "(trained on the solution alone, the base already maximises the aggregation reward) (default "
            + "${DEFAULT-VALUE})")
    double sftAggCopyShare;

    @Option(names = "--sft-layout-k", defaultValue = "4", paramLabel = "K",
            description = "distractor candidates per layout pair (default ${DEFAULT-VALUE})")
    int sftLayoutK;

    @Option(names = "--sft-agg-template", defaultValue = "default", paramLabel = "TEMPLATE",
            description = "aggregation prompt of the layout and aggregation pairs: default, compact or a YAML template "
                    + "file; use the same as the eval's rsa.template and the trainer's aggregation.template "
                    + "(default ${DEFAULT-VALUE})")
    String sftAggTemplate;

    @Option(names = "--exclude", paramLabel = "FILE", description = "problems JSONL whose questions must not appear "
            + "(e.g. a held-out eval set); excluded puzzles are replaced by later ones of the same seed")
    Path exclude;

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
        Set<String> excluded = exclude == null ? Set.of() : excludedQuestions(exclude);
        List<Problem> problems = select(family, excluded);
        puzzleFamily = Puzzles.family(family);
        if (!(sftLayoutShare >= 0 && sftLayoutShare <= 1)) {
            throw new IllegalArgumentException("--sft-layout-share must be in [0, 1], got " + sftLayoutShare);
        }
        if (!(sftAggShare >= 0 && sftAggShare <= 1 - sftLayoutShare)) {
            throw new IllegalArgumentException("--sft-agg-share must be in [0, 1 - --sft-layout-share], got "
                    + sftAggShare);
        }
        if (!(sftAttemptShare >= 0 && sftAttemptShare <= 1)) {
            throw new IllegalArgumentException("--sft-attempt-share must be in [0, 1], got " + sftAttemptShare);
        }
        if (!(sftAggCopyShare >= 0 && sftAggCopyShare <= 1)) {
            throw new IllegalArgumentException("--sft-agg-copy-share must be in [0, 1], got " + sftAggCopyShare);
        }
        if (!(sftAnswerNoise >= 0 && sftAnswerNoise <= 1)) {
            throw new IllegalArgumentException("--sft-answer-noise must be in [0, 1], got " + sftAnswerNoise);
        }
        if (sftAnswerNoise > 0 && sftAttemptShare > 0) {
            throw new IllegalArgumentException("--sft-answer-noise and --sft-attempt-share both rewrite the standard "
                    + "responses; give one of them");
        }
        if (sftAggCopyShare > 0 && !"solution".equals(sftAggTarget)) {
            throw new IllegalArgumentException("--sft-agg-copy-share needs --sft-agg-target solution");
        }
        if (sftAttemptShare > 0 && !problems.isEmpty() && !hasAttempts(problems.get(0))) {
            throw new IllegalArgumentException("--sft-attempt-share needs a family with a guess-and-check form "
                    + "(puzzle:modsolve, puzzle:modcheck); " + task + " has none");
        }
        if (sftLayoutShare > 0 && (sftLayoutK < 1 || sftLayoutK >= problems.size())) {
            throw new IllegalArgumentException("--sft-layout-k must be in [1, n-1] = [1, " + (problems.size() - 1)
                    + "], got " + sftLayoutK);
        }
        if (!List.of("solution", "answer", "majority").contains(sftAggTarget)) {
            throw new IllegalArgumentException("--sft-agg-target must be solution, answer or majority, got '"
                    + sftAggTarget + "'");
        }
        AggregationTemplate template = AggregationTemplate.resolve(sftAggTemplate, "--sft-agg-template");
        boolean answerTarget = !sftAggTarget.equals("solution");
        SplittableRandom layoutRng = new SplittableRandom(seed ^ 0x5DEECE66DL);
        SplittableRandom attemptRng = new SplittableRandom(seed ^ 0xA77E3B7L);
        SplittableRandom copyRng = new SplittableRandom(seed ^ 0xC0B1E5L);
        SplittableRandom noiseRng = new SplittableRandom(seed ^ 0x9015EL);
        List<String> lines = new ArrayList<>(problems.size());
        List<String> sftLines = new ArrayList<>(problems.size());
        for (int idx = 0; idx < problems.size(); idx++) {
            Problem p = problems.get(idx);
            ObjectNode o = JSON.createObjectNode();
            o.put("id", p.id());
            o.put("prompt", p.prompt());
            o.put("answer", p.answer());
            o.put("task", task);
            o.put("solution", p.metadata().get("solution").asText());
            o.set("metadata", p.metadata());
            lines.add(JSON.writeValueAsString(o));
            ObjectNode pair = JSON.createObjectNode();
            double u = (sftLayoutShare > 0 || sftAggShare > 0) ? layoutRng.nextDouble() : 1;
            String prompt;
            String response = p.metadata().get("solution").asText();
            if (u < sftLayoutShare) {
                prompt = template.render(p, distractors(problems, idx, layoutRng));
            } else if (u < sftLayoutShare + sftAggShare) {
                List<String> candidates = answerTarget ? voteCandidates(p, layoutRng)
                        : sameProblemCandidates(p, layoutRng);
                prompt = template.render(p, candidates);
                if (answerTarget) {
                    boolean vote = sftAggTarget.equals("majority");
                    response = answerTag(vote ? MajorityAnswer.of(candidates) : p.answer());
                } else if (sftAggCopyShare > 0 && copyRng.nextDouble() < sftAggCopyShare) {
                    response = candidates.get(copyRng.nextInt(candidates.size()));
                }
            } else {
                prompt = PromptBuilder.standardPrompt(p);
                if (sftAttemptShare > 0 && attemptRng.nextDouble() < sftAttemptShare) {
                    response = puzzleFamily.attempt(p.metadata(), otherAnswer(p, attemptRng));
                } else if (sftAnswerNoise > 0 && noiseRng.nextDouble() < sftAnswerNoise) {
                    response = withAnswer(response, p.answer(), otherAnswer(p, noiseRng));
                }
            }
            pair.put("prompt", prompt);
            pair.put("response", response);
            sftLines.add(JSON.writeValueAsString(pair));
        }
        AtomicFiles.writeLines(out, lines);
        if (sftOut != null) {
            AtomicFiles.writeLines(sftOut, sftLines);
        }
        spec.commandLine().getErr().printf("wrote %d problems (%s, difficulty %d, seed %d) to %s%s%n",
                problems.size(), task, difficulty, seed, out, sftOut == null ? "" : " and SFT pairs to " + sftOut);
        spec.commandLine().getErr().flush();
        return 0;
    }

    /**
     * The first {@code n} puzzles of the seed whose question is not excluded; ids keep the puzzle's index in the
     * seed's sequence ({@code <family>-<seed>-<i>}), so the same puzzle has the same id with or without exclusions.
     */
    private List<Problem> select(String family, Set<String> excluded) {
        int want = n;
        int generated = excluded.isEmpty() ? n : Math.max(2 * n, n + 64);
        while (true) {
            List<Puzzle> puzzles = Puzzles.generate(family, generated, seed, difficulty);
            List<Problem> out = new ArrayList<>(want);
            for (int i = 0; i < puzzles.size() && out.size() < want; i++) {
                Puzzle p = puzzles.get(i);
                if (!excluded.contains(p.question())) {
                    out.add(p.toProblem(family + "-" + seed + "-" + i));
                }
            }
            if (out.size() == want) {
                return out;
            }
            if (generated >= 16 * n + 1024) {
                throw new IllegalArgumentException("--exclude " + exclude + ": only " + out.size() + " of " + generated
                        + " generated " + family + " puzzles (difficulty " + difficulty + ") are not excluded; "
                        + "ask for fewer (--n) or raise --difficulty");
            }
            generated *= 2;
        }
    }

    /** Reference solutions of {@code sftLayoutK} distinct other problems (never problem {@code self}'s own). */
    private List<String> distractors(List<Problem> problems, int self, SplittableRandom rnd) {
        Set<Integer> picked = new LinkedHashSet<>();
        while (picked.size() < sftLayoutK) {
            int j = rnd.nextInt(problems.size());
            if (j != self) {
                picked.add(j);
            }
        }
        List<String> out = new ArrayList<>();
        for (int j : picked) {
            out.add(problems.get(j).metadata().get("solution").asText());
        }
        return out;
    }

    /**
     * K candidates for {@code p}: its reference solution, each one replaced with probability 1/2 by a wrong one: the
     * family's worked attempt at a wrong answer where it has that form, else the solution with one number moved.
     */
    private List<String> sameProblemCandidates(Problem p, SplittableRandom rnd) {
        String solution = p.metadata().get("solution").asText();
        boolean attempts = hasAttempts(p);
        List<String> out = new ArrayList<>(sftLayoutK);
        for (int i = 0; i < sftLayoutK; i++) {
            if (rnd.nextBoolean()) {
                out.add(solution);
            } else {
                out.add(attempts ? puzzleFamily.attempt(p.metadata(), wrongAnswer(p.answer(), modulus(p), rnd))
                        : corrupt(solution, modulus(p), rnd));
            }
        }
        return out;
    }

    /**
     * K vote candidates for {@code p}: each the reference solution with probability q (drawn per pair from
     * [0.2, 0.9]) or else a copy whose final answer is moved by 1 to 3 (and its last step's result with it, so the
     * candidate stays self-consistent); shown as bare answer tags in half of the pairs.
     */
    private List<String> voteCandidates(Problem p, SplittableRandom rnd) {
        String solution = p.metadata().get("solution").asText();
        double q = 0.2 + 0.7 * rnd.nextDouble();
        boolean bare = rnd.nextBoolean();
        List<String> out = new ArrayList<>(sftLayoutK);
        for (int i = 0; i < sftLayoutK; i++) {
            String answer = rnd.nextDouble() < q ? p.answer() : wrongAnswer(p.answer(), modulus(p), rnd);
            String attempt = bare || answer.equals(p.answer()) ? null : puzzleFamily.attempt(p.metadata(), answer);
            out.add(bare ? answerTag(answer) : attempt != null ? attempt : withAnswer(solution, p.answer(), answer));
        }
        return out;
    }

    /** Whether the family renders worked attempts ({@link PuzzleFamily#attempt}) for puzzles like {@code p}. */
    private boolean hasAttempts(Problem p) {
        return puzzleFamily.attempt(p.metadata(), p.answer()) != null;
    }

    /** The modulus of a modular-arithmetic puzzle (metadata {@code modulus}), else 0: numbers are unbounded. */
    private static long modulus(Problem p) {
        JsonNode m = p.metadata().get("modulus");
        return m == null ? 0 : m.asLong();
    }

    /**
     * A numeric {@code answer} moved by 1 to 3 up or down, wrapped into [0, modulus) when the puzzle has one (so a
     * wrong candidate is never told apart by its range); a non-numeric answer gets one of its numbers moved.
     */
    static String wrongAnswer(String answer, long modulus, SplittableRandom rnd) {
        try {
            long value = Long.parseLong(answer.strip());
            long delta = 1 + rnd.nextInt(3);
            long wrong = rnd.nextBoolean() ? value + delta : value - delta;
            return Long.toString(modulus > 0 ? Math.floorMod(wrong, modulus) : wrong);
        } catch (NumberFormatException e) {
            return corrupt(answer, modulus, rnd);
        }
    }

    /** A wrong answer drawn uniformly from the other residues of a modular puzzle, else {@link #wrongAnswer}. */
    private static String otherAnswer(Problem p, SplittableRandom rnd) {
        long m = modulus(p);
        if (m < 2) {
            return wrongAnswer(p.answer(), 0, rnd);
        }
        return Long.toString(Math.floorMod(Long.parseLong(p.answer().strip()) + 1 + rnd.nextLong(m - 1), m));
    }

    /** {@code solution} with its answer tag, and a last step ending in "=gold", changed to {@code answer}. */
    static String withAnswer(String solution, String gold, String answer) {
        String tag = answerTag(gold);
        int at = solution.lastIndexOf(tag);
        if (at < 0 || gold.equals(answer)) {
            return solution;
        }
        String steps = solution.substring(0, at);
        String lastResult = "=" + gold + "\n";
        if (steps.endsWith(lastResult)) {
            steps = steps.substring(0, steps.length() - lastResult.length()) + "=" + answer + "\n";
        }
        return steps + answerTag(answer) + solution.substring(at + tag.length());
    }

    private static String answerTag(String answer) {
        return "<answer>" + answer + "</answer>";
    }

    /**
     * {@code text} with one of its numbers (picked at random) moved by 1 to 5 up or down, wrapped into [0, modulus)
     * when {@code modulus} > 0; unchanged if it has no number.
     */
    static String corrupt(String text, long modulus, SplittableRandom rnd) {
        Matcher m = NUMBER.matcher(text);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        if (spans.isEmpty()) {
            return text;
        }
        int[] s = spans.get(rnd.nextInt(spans.size()));
        long value = Long.parseLong(text.substring(s[0], s[1]));
        long delta = 1 + rnd.nextInt(5);
        long wrong = modulus > 0 ? Math.floorMod(value + (rnd.nextBoolean() ? delta : -delta), modulus)
                : value >= delta && rnd.nextBoolean() ? value - delta : value + delta;
        return text.substring(0, s[0]) + wrong + text.substring(s[1]);
    }

    private static final Pattern NUMBER = Pattern.compile("\\d{1,15}");

    private static Set<String> excludedQuestions(Path file) {
        Set<String> out = new HashSet<>();
        for (Problem p : ProblemReader.read(file)) {
            out.add(p.prompt());
        }
        return out;
    }
}
