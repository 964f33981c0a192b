package rsarl.model;

/**
 * The result of one generation request.
 *
 * @param tokenIds     the new tokens (stop token included when generation stopped on one)
 * @param logprobs     log pi(token | prefix) of each new token under the unmodified model distribution
 *                     (temperature 1, no top-p/top-k filtering), as the trainer needs
 * @param finishReason {@code stop} (eos, stop id or stop string) or {@code length}
 * @param topIds       per new token, the request's {@code topLogprobs} most likely ids (null when none asked)
 * @param topLogprobs  their log-probs, same layout
 */
public record Completion(int[] tokenIds, float[] logprobs, String finishReason, int[][] topIds,
                         float[][] topLogprobs) {
    public Completion(int[] tokenIds, float[] logprobs, String finishReason) {
        this(tokenIds, logprobs, finishReason, null, null);
    }

    public boolean truncated() {
        return "length".equals(finishReason);
    }
}
