package rsarl.trainer.engine;

import rsarl.trainer.grpo.BatchPlanner;
import rsarl.trainer.grpo.QwenRollouts;
import rsarl.trainer.grpo.Rollouts;

import java.io.IOException;
import java.util.List;
import java.util.function.Function;

/**
 * Rollouts from a vLLM or SGLang server ({@code rollout.engine: vllm | sglang}): the same prompts, seeds and scoring
 * as the in-process sampler ({@link QwenRollouts}), sampled by the server from the newest policy version it has
 * ({@link PolicyPublisher}); each result records that version, so the trainer logs {@code policy_version_lag} and the
 * sampler's log-probs (the behaviour policy's) feed the importance correction.
 */
public final class ServerRollouts implements Rollouts {
    private final RolloutServer server;
    private final PolicyPublisher publisher;
    private final QwenRollouts prompts;
    private final int maxStaleness;
    /** The version the rollout in progress samples from (one rollout runs at a time). */
    private volatile long sampling = -1;

    /**
     * @param prompts builds the prompt-and-scoring half over the sampler it is given (this server's)
     */
    public ServerRollouts(RolloutServer server, PolicyPublisher publisher, int maxStaleness,
            Function<QwenRollouts.SamplerSource, QwenRollouts> prompts) {
        this.server = server;
        this.publisher = publisher;
        this.maxStaleness = maxStaleness;
        this.prompts = prompts.apply(scratch -> {
            String model = publisher.modelFor(sampling);
            return requests -> server.generate(model, requests);
        });
    }

    @Override
    public Result rollout(long step, List<BatchPlanner.PromptPlan> plans, int numGenerations, long stepSeed)
            throws IOException {
        long version = publisher.latest();
        if (version < 0) throw new IllegalStateException("no policy version published before step " + step);
        sampling = version;
        Result r = prompts.rollout(step, plans, numGenerations, stepSeed);
        return new Result(r.groups(), r.generationSeconds(), r.scoringSeconds(), version);
    }

    @Override
    public void policyUpdated(long version) throws IOException {
        publisher.publish(version);
    }

    @Override
    public int maxStaleness() {
        return maxStaleness;
    }

    public RolloutServer server() {
        return server;
    }
}
