package rsarl.rollout.backend;

/**
 * One generated reply.
 *
 * @param text             the assistant message
 * @param promptTokens     prompt length in tokens, or -1 when the backend did not report it
 * @param completionTokens reply length in tokens, or -1 when the backend did not report it
 * @param finishReason     {@code stop}, {@code length}, or what the server said
 */
public record BackendResult(String text, int promptTokens, int completionTokens, String finishReason) {
}
