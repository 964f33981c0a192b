package rsarl.rollout.prompt;

import com.fasterxml.jackson.databind.node.ObjectNode;
import rsarl.rollout.config.ConfigLoader;
import rsarl.rewards.Problem;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The layout of the aggregation prompt, chosen by name ({@code rsa.template} in eval configs,
 * {@code aggregation.template} in train configs, {@code --sft-agg-template} in make-dataset): training and
 * evaluation must render the same prompt, so all of them resolve the same spec here.
 *
 * <ul>
 *   <li>{@code default}: the paper-style prompt of {@link PromptBuilder} (instructions, problem, K delimited
 *       candidates, closing request);
 *   <li>{@code compact}: the problem, the numbered candidates and one request line, ~40% fewer tokens on the
 *       built-in puzzles: for tiny models, whose prefill is most of an RSA state's cost;
 *   <li>a YAML file with {@code prompt} (placeholders {@code {problem}} = the standard prompt, {@code {question}},
 *       {@code {format}}, {@code {candidates}}, {@code {k}}) and optionally {@code candidate} ({@code {index}},
 *       {@code {candidate}}), the block each candidate is rendered with.
 * </ul>
 * Placeholders are substituted in one pass, so braces inside a problem or a candidate are left as they are.
 */
public record AggregationTemplate(String name, String prompt, String candidate) {

    public static final String DEFAULT_NAME = "default";
    public static final AggregationTemplate DEFAULT = new AggregationTemplate(DEFAULT_NAME, null, null);
    public static final AggregationTemplate COMPACT = new AggregationTemplate("compact",
            "{problem}\n\nCandidate solutions (some may be wrong):\n\n{candidates}Write one improved solution.",
            "[{index}]\n{candidate}\n\n");

    private static final String DEFAULT_CANDIDATE = "Candidate {index}:\n{candidate}\n\n";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z_]+)}");
    private static final Set<String> PROMPT_KEYS = Set.of("problem", "question", "format", "candidates", "k");
    private static final Set<String> CANDIDATE_KEYS = Set.of("index", "candidate");

    /** A template file's keys, bound strictly (unknown keys and non-strings fail naming the file). */
    private record TemplateFile(String prompt, String candidate) {}

    /** As {@link #resolve(String)}, with errors prefixed by {@code key} (the config key or flag that named it). */
    public static AggregationTemplate resolve(String spec, String key) {
        try {
            return resolve(spec);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
        }
    }

    /** The built-in template {@code spec} names, or the YAML template file at path {@code spec}. */
    public static AggregationTemplate resolve(String spec) {
        if (spec == null || spec.isBlank() || spec.equals(DEFAULT_NAME)) {
            return DEFAULT;
        }
        if (spec.equals(COMPACT.name)) {
            return COMPACT;
        }
        Path file = Path.of(spec);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("'" + spec + "' is neither a built-in template (default, compact) "
                    + "nor a template file");
        }
        ObjectNode tree = ConfigLoader.read(file);
        tree.fields().forEachRemaining(e -> { // the binder would turn a number into a string
            if (!e.getValue().isTextual() && !e.getValue().isNull()) {
                throw new IllegalArgumentException(file + ": " + e.getKey() + ": must be a string");
            }
        });
        TemplateFile t = ConfigLoader.bind(tree, TemplateFile.class, file.toString());
        if (t.prompt() == null) {
            throw new IllegalArgumentException(file + ": prompt: missing");
        }
        String prompt = t.prompt();
        String candidate = t.candidate() == null ? DEFAULT_CANDIDATE : t.candidate();
        check(prompt, PROMPT_KEYS, file + ": prompt");
        check(candidate, CANDIDATE_KEYS, file + ": candidate");
        if (!prompt.contains("{candidates}")) {
            throw new IllegalArgumentException(file + ": prompt: has no {candidates} placeholder");
        }
        if (!candidate.contains("{candidate}")) {
            throw new IllegalArgumentException(file + ": candidate: has no {candidate} placeholder");
        }
        return new AggregationTemplate(file.toString(), prompt, candidate);
    }

    /** Whether this is the paper-style prompt of {@link PromptBuilder}. */
    public boolean isDefault() {
        return prompt == null;
    }

    /** The aggregation prompt for {@code candidates}, in the order given. */
    public String render(Problem problem, List<String> candidates) {
        if (isDefault()) {
            return PromptBuilder.aggregationPrompt(problem, candidates);
        }
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("aggregation needs at least one candidate");
        }
        StringBuilder blocks = new StringBuilder();
        for (int i = 0; i < candidates.size(); i++) {
            blocks.append(fill(candidate, Map.of("index", Integer.toString(i + 1),
                    "candidate", PromptBuilder.withoutEmptyThink(candidates.get(i)))));
        }
        TaskKind kind = TaskKind.of(problem.task());
        return fill(prompt, Map.of("problem", PromptBuilder.standardPrompt(problem).strip(),
                "question", PromptBuilder.question(problem).strip(), "format", kind.formatHint(),
                "candidates", blocks.toString(), "k", Integer.toString(candidates.size())));
    }

    private static String fill(String template, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(values.get(m.group(1))));
        }
        return m.appendTail(sb).toString();
    }

    private static void check(String template, Set<String> known, String where) {
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            if (!known.contains(m.group(1))) {
                throw new IllegalArgumentException(where + ": unknown placeholder {" + m.group(1) + "} (known: "
                        + String.join(", ", known.stream().sorted().map(k -> "{" + k + "}").toList()) + ")");
            }
        }
    }
}
