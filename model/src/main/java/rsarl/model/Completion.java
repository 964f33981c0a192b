package rsarl.model;

/**
 * The result of one generation request.
 *
 * @param tokenIds     the new tokens (stop token included when generation stopped on one)
 * @param logprobs     log pi(token | prefix) of each new token under the unmodified model distribution
 *                     (temperature 1, no top-p/top-k filtering), as the trainer needs
 * @param finishReason {@code stop} (eos, stop id or stop string) or {@code length}
 */
public record Completion(int[] tokenIds, float[] logprobs, String finishReason) {
    public boolean truncated() {
        return "length".equals(finishReason);
    }
}
