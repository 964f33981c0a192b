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
import rsarl.rollout.candidates.PoolFile;
import rsarl.rollout.eval.AtomicFiles;
import rsarl.rollout.prompt.AggregationTemplate;
import rsarl.rollout.prompt.PromptBuilder;
import rsarl.rollout.rsa.SubsetSampler;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code rsa make-agg-sft}: aggregation SFT pairs from a model's own candidate pools (rejection-sampling
 * fine-tuning for the aggregation prompt). Each pair's prompt is the RSA aggregation prompt over K candidates drawn
 * from the problem's pool, exactly as {@code rsa eval} and {@code rsa train} render it; its response is the
 * problem's reference solution, a correct candidate of the pool, or the shown candidate with the plurality answer
 * ({@code --response}). So the model learns what to write given the candidates it really produces, not edited
 * copies of the answer.
 */
@Command(name = "make-agg-sft", mixinStandardHelpOptions = true,
        description = "Aggregation SFT pairs {prompt, response} from candidate pools: the aggregation prompt over K "
                + "pool candidates, answered with the reference solution, a correct candidate or the plurality one.")
final class MakeAggSftCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--problems", required = true, paramLabel = "FILE", description = "problems JSONL")
    Path problems;

    @Option(names = "--pools", required = true, paramLabel = "FILE", description = "candidate pools JSONL "
            + "(from rsa candidates)")
    Path pools;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "output JSONL of SFT pairs")
    Path out;

    @Option(names = "--k", defaultValue = "4", description = "candidates per prompt (default ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--per-problem", defaultValue = "1", paramLabel = "M",
            description = "pairs per problem, each with its own random subset (default ${DEFAULT-VALUE})")
    int perProblem;

    @Option(names = "--response", defaultValue = "auto", paramLabel = "SOURCE", description = "majority: the "
            + "shown candidate whose extracted answer most of the K shown share (ties broken at random; the reference, "
            + "if any, when none has an answer): self-consistency distillation, needs no gold answer; "
            + "reference: the problem's reference solution (metadata.solution, as make-dataset writes it); "
            + "correct: a random pool candidate with score > 0 (problems without one are skipped); "
            + "auto: reference where the problem has one, else correct (default ${DEFAULT-VALUE})")
    String response;

    @Option(names = "--seed", defaultValue = "0", description = "subset seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--template", defaultValue = "default", paramLabel = "TEMPLATE", description = "aggregation "
            + "prompt: default, compact or a YAML template file, as the eval's rsa.template (default ${DEFAULT-VALUE})")
    String template;

    @Override
    public Integer call() throws Exception {
        if (k < 1) {
            throw new IllegalArgumentException("--k must be >= 1, got " + k);
        }
        if (perProblem < 1) {
            throw new IllegalArgumentException("--per-problem must be >= 1, got " + perProblem);
        }
        if (!List.of("auto", "majority", "reference", "correct").contains(response)) {
            throw new IllegalArgumentException("--response must be auto, majority, reference or correct, got '"
                    + response + "'");
        }
        AggregationTemplate layout = AggregationTemplate.resolve(template, "--template");
        List<Problem> list = ProblemReader.read(problems);
        Map<String, List<PoolFile.Candidate>> byId = PoolFile.read(pools);
        SplittableRandom rnd = new SplittableRandom(seed);
        List<String> lines = new ArrayList<>();
        int withoutPool = 0;
        int withoutResponse = 0;
        for (Problem p : list) {
            List<PoolFile.Candidate> pool = byId.get(p.id());
            if (pool == null) {
                withoutPool++;
                continue;
            }
            if (pool.size() < k) {
                throw new IllegalArgumentException(pools + ": problem " + p.id() + " has " + pool.size()
                        + " candidates, fewer than --k " + k);
            }
            String reference = reference(p);
            if (response.equals("reference") && reference == null) {
                throw new IllegalArgumentException(problems + ": problem " + p.id() + " has no reference solution "
                        + "(metadata.solution); use --response correct");
            }
            List<String> correct = pool.stream().filter(c -> c.score() > 0).map(PoolFile.Candidate::response).toList();
            for (int m = 0; m < perProblem; m++) {
                List<PoolFile.Candidate> shown = subset(pool, rnd);
                String target = switch (response) {
                    case "majority" -> majority(shown, reference, rnd);
                    case "correct" -> pick(correct, rnd);
                    default -> reference != null ? reference : pick(correct, rnd);
                };
                if (target == null) {
                    withoutResponse++;
                    continue;
                }
                ObjectNode pair = JSON.createObjectNode();
                pair.put("prompt", layout.render(p, shown.stream().map(PoolFile.Candidate::response).toList()));
                pair.put("response", target);
                lines.add(JSON.writeValueAsString(pair));
            }
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(pools + ": no pair could be made (" + withoutPool + " of " + list.size()
                    + " problems have no pool" + (withoutResponse > 0 ? ", the rest no response to give" : "") + ")");
        }
        AtomicFiles.writeLines(out, lines);
        spec.commandLine().getErr().printf("wrote %d aggregation SFT pairs (K=%d) to %s%s%s%n", lines.size(), k, out,
                withoutPool > 0 ? "; " + withoutPool + " problems had no pool" : "",
                withoutResponse > 0 ? "; " + withoutResponse + " pairs skipped: no response to give" : "");
        spec.commandLine().getErr().flush();
        return 0;
    }

    /** A random one of {@code responses} without its empty think block, or null when there is none. */
    private static String pick(List<String> responses, SplittableRandom rnd) {
        return responses.isEmpty() ? null
                : PromptBuilder.withoutEmptyThink(responses.get(rnd.nextInt(responses.size())));
    }

    /**
     * The response of a shown candidate with the plurality answer (ties broken at random), or {@code fallback} when
     * none of them has an extracted answer.
     */
    static String majority(List<PoolFile.Candidate> shown, String fallback, SplittableRandom rnd) {
        Map<String, Integer> votes = new HashMap<>();
        for (PoolFile.Candidate c : shown) {
            if (c.extracted() != null && !c.extracted().isBlank()) {
                votes.merge(c.extracted().strip(), 1, Integer::sum);
            }
        }
        if (votes.isEmpty()) {
            return fallback;
        }
        int best = Collections.max(votes.values());
        List<PoolFile.Candidate> top = shown.stream()
                .filter(c -> c.extracted() != null && votes.getOrDefault(c.extracted().strip(), 0) == best).toList();
        return PromptBuilder.withoutEmptyThink(top.get(rnd.nextInt(top.size())).response());
    }

    /** K distinct candidates of {@code pool} in random order, drawn as RSA draws a slot's parents. */
    private List<PoolFile.Candidate> subset(List<PoolFile.Candidate> pool, SplittableRandom rnd) {
        List<PoolFile.Candidate> out = new ArrayList<>(k);
        for (int i : SubsetSampler.draw(pool.size(), k, rnd)) {
            out.add(pool.get(i));
        }
        return out;
    }

    /** The problem's reference solution, or null: puzzles keep it in metadata.solution. */
    private static String reference(Problem p) {
        JsonNode meta = p.metadata();
        if (meta != null && meta.hasNonNull("solution") && meta.get("solution").isTextual()) {
            return meta.get("solution").asText();
        }
        return null;
    }
}
