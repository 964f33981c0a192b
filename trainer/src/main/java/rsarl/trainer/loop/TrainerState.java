package rsarl.trainer.loop;

import java.util.Map;

/**
 * Everything besides tensors that a run needs to continue exactly: written as {@code trainer_state.json} in every
 * checkpoint (snake_case keys).
 *
 * @param globalStep completed training steps (one step = one batch of prompts and its updates)
 * @param maxSteps the run's configured {@code max_steps}
 * @param optimizerUpdates optimizer updates done so far (the LR schedule's index)
 * @param configHash hash of the bound config, to warn when a resume uses a different one
 * @param dataCursor position of the next prompt in the data order
 * @param rngStates named {@link Rng} states ({@code Rng.state()})
 * @param metricsLines lines in {@code metrics.jsonl} when the checkpoint was taken
 * @param elapsedSeconds wall time spent training so far (for the ETA and tokens/s after a resume)
 * @param extra free-form string values a caller wants back on resume
 */
public record TrainerState(long globalStep, long maxSteps, long optimizerUpdates, String configHash,
        long dataCursor, Map<String, Long> rngStates, long metricsLines, double elapsedSeconds,
        Map<String, String> extra) {
    public TrainerState {
        rngStates = rngStates == null ? Map.of() : Map.copyOf(rngStates);
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }
}
