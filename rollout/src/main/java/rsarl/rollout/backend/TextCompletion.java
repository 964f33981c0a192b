package rsarl.rollout.backend;

/**
 * A local completion as an OpenAI server reports it.
 *
 * @param text         the reply: special tokens dropped, cut before a matched stop string
 * @param tokenIds     every generated token (the stop token included)
 * @param logprobs     log pi(token | prefix) of each generated token under the raw model distribution
 * @param promptTokens prompt length in tokens
 * @param finishReason {@code stop} or {@code length}
 */
public record TextCompletion(String text, int[] tokenIds, float[] logprobs, int promptTokens, String finishReason) {
    public int completionTokens() {
        return tokenIds.length;
    }
}
