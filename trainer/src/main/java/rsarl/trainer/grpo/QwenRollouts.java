package rsarl.trainer.grpo;

import ai.djl.ndarray.NDManager;
import rsarl.model.ChatMessage;
import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.model.Generator;
import rsarl.model.QwenModel;
import rsarl.model.QwenTokenizer;
import rsarl.model.SamplingParams;
import rsarl.rewards.Problem;
import rsarl.rollout.prompt.AggregationTemplate;
import rsarl.rollout.prompt.PromptBuilder;
import rsarl.rollout.rsa.DerivedSeeds;
import rsarl.trainer.loop.Rng;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The rollouts of aggregation-aware RL on a Qwen model: each plan's prompt comes from {@link PromptBuilder} (the
 * standard prompt, or the aggregation prompt with K candidates from the pool or, for {@code aggregation.source:
 * policy}, sampled from the current policy with the standard prompt first), is chat-templated, and gets G samples
 * from {@link Generator}; the decoded completions are scored by a {@link Scorer}.
 *
 * <p>Prompts longer than {@code max_prompt_length} are left-truncated (their last tokens are kept, as TRL does): the
 * end of a prompt holds the closing instruction and the generation prompt, which the completion follows. Each step
 * that truncates says so on the log.
 *
 * <p>Determinism: every request's seed is a pure function of (step seed, plan index, sample index), so a resumed run
 * replays the same rollouts whatever else shares the batch.
 */
public final class QwenRollouts implements Rollouts {
    /** Reward of one decoded completion. */
    @FunctionalInterface
    public interface Scorer {
        double score(Problem problem, String completionText);
    }

    /** The model to sample from at this step (current weights; LoRA merged into {@code scratch}). */
    @FunctionalInterface
    public interface Weights {
        QwenModel current(NDManager scratch);
    }

    /** Samples one batch of requests (completions in request order). */
    @FunctionalInterface
    public interface Sampler {
        List<Completion> generate(List<GenerationRequest> requests) throws IOException;
    }

    /** The step's sampler: the in-process generator over the current weights, or a rollout server. */
    @FunctionalInterface
    public interface SamplerSource {
        /** @param scratch freed after the step (merged LoRA weights live there) */
        Sampler open(NDManager scratch) throws IOException;
    }

    /**
     * @param maxBatch most rows the generator decodes together
     * @param template the aggregation prompt's layout (the same as the RSA evaluation's)
     * @param shuffleCandidates each sample of an aggregation group sees the group's K candidates in its own order
     */
    public record Settings(int maxPromptLength, int maxCompletionLength, double temperature, double topP,
            int maxBatch, AggregationTemplate template, boolean shuffleCandidates) {
        public Settings(int maxPromptLength, int maxCompletionLength, double temperature, double topP, int maxBatch) {
            this(maxPromptLength, maxCompletionLength, temperature, topP, maxBatch, AggregationTemplate.DEFAULT);
        }

        public Settings(int maxPromptLength, int maxCompletionLength, double temperature, double topP, int maxBatch,
                AggregationTemplate template) {
            this(maxPromptLength, maxCompletionLength, temperature, topP, maxBatch, template, false);
        }
    }

    private static final long CANDIDATE_STREAM = 0x43414e44L;
    private static final long SHUFFLE_STREAM = 0x5348554646L;

    private final SamplerSource sampler;
    private final QwenTokenizer tokenizer;
    private final List<Problem> problems;
    private final List<List<String>> pools;
    private final Scorer scorer;
    private final Settings settings;
    private final PrintStream log;

    /**
     * @param pools candidate texts per problem (same order as {@code problems}); null when no plan uses the pool
     */
    public QwenRollouts(Weights weights, QwenTokenizer tokenizer, List<Problem> problems, List<List<String>> pools,
            Scorer scorer, Settings settings, PrintStream log) {
        this(scratch -> new Generator(weights.current(scratch)).withMaxBatch(settings.maxBatch())::generate,
                tokenizer, problems, pools, scorer, settings, log, true);
    }

    private QwenRollouts(SamplerSource sampler, QwenTokenizer tokenizer, List<Problem> problems,
            List<List<String>> pools, Scorer scorer, Settings settings, PrintStream log, boolean viaSampler) {
        this.sampler = sampler;
        this.tokenizer = tokenizer;
        this.problems = problems;
        this.pools = pools;
        this.scorer = scorer;
        this.settings = settings;
        this.log = log;
    }

    /** The same rollouts sampled elsewhere (a rollout server): prompts, seeds and scoring are unchanged. */
    public static QwenRollouts withSampler(SamplerSource sampler, QwenTokenizer tokenizer, List<Problem> problems,
            List<List<String>> pools, Scorer scorer, Settings settings, PrintStream log) {
        return new QwenRollouts(sampler, tokenizer, problems, pools, scorer, settings, log, true);
    }

    /** The request seed of sample {@code i} of plan {@code plan} at a step (in [0, 2^31)). */
    static long requestSeed(long stepSeed, int plan, long i) {
        return DerivedSeeds.mix(stepSeed, plan, i) >>> 33;
    }

    @Override
    public Result rollout(long step, List<BatchPlanner.PromptPlan> plans, int numGenerations, long stepSeed)
            throws IOException {
        double genSeconds = 0;
        double scoreSeconds = 0;
        try (NDManager scratch = NDManager.newBaseManager()) {
            Sampler generator = sampler.open(scratch);
            SamplingParams params = new SamplingParams(settings.temperature(), settings.topP(), 0, 0,
                    settings.maxCompletionLength(), tokenizer.eosIds(), List.of());

            long t0 = System.nanoTime();
            List<List<String>> policyCandidates = policyCandidates(plans, generator, params, stepSeed);
            // prompts.get(p).get(i): the prompt of sample i of plan p (one shared array unless shuffled).
            List<List<int[]>> prompts = new ArrayList<>();
            int[] truncated = {0};
            for (int p = 0; p < plans.size(); p++) {
                BatchPlanner.PromptPlan plan = plans.get(p);
                if (shuffles(plan)) {
                    List<String> candidates = candidates(plan, policyCandidates.get(p));
                    List<int[]> own = new ArrayList<>(numGenerations);
                    for (int i = 0; i < numGenerations; i++) {
                        own.add(encode(aggregationMessages(plan, shuffled(candidates, stepSeed, p, i)), truncated));
                    }
                    prompts.add(own);
                } else {
                    prompts.add(java.util.Collections.nCopies(numGenerations,
                            encode(messages(plan, policyCandidates.get(p)), truncated)));
                }
            }
            if (truncated[0] > 0) {
                log.println("step " + step + ": " + truncated[0] + " prompts longer than max_prompt_length = "
                        + settings.maxPromptLength() + " were left-truncated");
            }
            List<GenerationRequest> requests = new ArrayList<>();
            for (int p = 0; p < plans.size(); p++) {
                for (int i = 0; i < numGenerations; i++) {
                    requests.add(new GenerationRequest(prompts.get(p).get(i), params, requestSeed(stepSeed, p, i)));
                }
            }
            List<Completion> completions = generator.generate(requests);
            genSeconds = (System.nanoTime() - t0) / 1e9;

            long t1 = System.nanoTime();
            List<Group> groups = new ArrayList<>();
            for (int p = 0; p < plans.size(); p++) {
                Problem problem = problems.get(plans.get(p).problem());
                List<Completion> mine = completions.subList(p * numGenerations, (p + 1) * numGenerations);
                double[] rewards = new double[numGenerations];
                for (int i = 0; i < numGenerations; i++) {
                    rewards[i] = scorer.score(problem, tokenizer.decode(mine.get(i).tokenIds(), true));
                }
                List<int[]> own = prompts.get(p);
                groups.add(new Group(plans.get(p).kind(), own.get(0), List.copyOf(mine), rewards,
                        shuffles(plans.get(p)) ? List.copyOf(own) : null));
            }
            scoreSeconds = (System.nanoTime() - t1) / 1e9;
            return new Result(groups, genSeconds, scoreSeconds);
        }
    }

    /** Whether each sample of this plan gets its own candidate order ({@code aggregation.shuffle_candidates}). */
    private boolean shuffles(BatchPlanner.PromptPlan plan) {
        return plan.kind() == BatchPlanner.Kind.AGGREGATION && settings.shuffleCandidates();
    }

    /** Chat-templated token ids, left-truncated to {@code max_prompt_length} (counted in {@code truncated[0]}). */
    private int[] encode(List<ChatMessage> messages, int[] truncated) {
        int[] ids = tokenizer.encode(tokenizer.chatTemplate().render(messages, true));
        if (ids.length > settings.maxPromptLength()) {
            truncated[0]++;
            return Arrays.copyOfRange(ids, ids.length - settings.maxPromptLength(), ids.length);
        }
        return ids;
    }

    /** The conversation of one plan: the standard prompt, or the aggregation prompt with its K candidates. */
    private List<ChatMessage> messages(BatchPlanner.PromptPlan plan, List<String> sampled) {
        if (plan.kind() == BatchPlanner.Kind.STANDARD) {
            return PromptBuilder.standardMessages(problems.get(plan.problem()));
        }
        return aggregationMessages(plan, candidates(plan, sampled));
    }

    private List<ChatMessage> aggregationMessages(BatchPlanner.PromptPlan plan, List<String> candidates) {
        return PromptBuilder.aggregationMessages(problems.get(plan.problem()), candidates, settings.template());
    }

    /** An aggregation plan's K candidate texts: picked from the problem's pool, or sampled from the policy. */
    private List<String> candidates(BatchPlanner.PromptPlan plan, List<String> sampled) {
        if (!(plan.source() instanceof CandidateSource.Pool pool)) {
            return sampled;
        }
        List<String> texts = pools.get(plan.problem());
        List<String> out = new ArrayList<>();
        for (int c : pool.indices()) {
            out.add(texts.get(c));
        }
        return out;
    }

    /** Sample {@code i}'s order of a plan's candidates: a pure function of (step seed, plan, sample). */
    static List<String> shuffled(List<String> candidates, long stepSeed, int plan, int i) {
        int[] order = new int[candidates.size()];
        for (int j = 0; j < order.length; j++) {
            order[j] = j;
        }
        new Rng(requestSeed(stepSeed ^ SHUFFLE_STREAM, plan, i)).shuffle(order);
        List<String> out = new ArrayList<>(order.length);
        for (int j : order) {
            out.add(candidates.get(j));
        }
        return out;
    }

    /**
     * For {@code source: policy}: K fresh standard-prompt samples of the current policy per aggregation plan (null
     * for plans that take their candidates from the pool or are standard).
     */
    private List<List<String>> policyCandidates(List<BatchPlanner.PromptPlan> plans, Sampler generator,
            SamplingParams params, long stepSeed) throws IOException {
        List<List<String>> out = new ArrayList<>();
        List<GenerationRequest> requests = new ArrayList<>();
        for (int p = 0; p < plans.size(); p++) {
            BatchPlanner.PromptPlan plan = plans.get(p);
            out.add(null);
            if (plan.source() instanceof CandidateSource.Policy policy) {
                int[] ids = tokenizer.encode(tokenizer.chatTemplate().render(PromptBuilder.standardMessages(
                        problems.get(plan.problem())), true));
                if (ids.length > settings.maxPromptLength()) {
                    ids = Arrays.copyOfRange(ids, ids.length - settings.maxPromptLength(), ids.length);
                }
                for (int j = 0; j < policy.k(); j++) {
                    requests.add(new GenerationRequest(ids, params, requestSeed(stepSeed ^ CANDIDATE_STREAM, p, j)));
                }
            }
        }
        if (requests.isEmpty()) {
            return out;
        }
        List<Completion> sampled = generator.generate(requests);
        int next = 0;
        for (int p = 0; p < plans.size(); p++) {
            BatchPlanner.PromptPlan plan = plans.get(p);
            if (plan.source() instanceof CandidateSource.Policy policy) {
                List<String> texts = new ArrayList<>();
                for (int j = 0; j < policy.k(); j++) {
                    texts.add(tokenizer.decode(sampled.get(next++).tokenIds(), true));
                }
                out.set(p, texts);
            }
        }
        return out;
    }
}
