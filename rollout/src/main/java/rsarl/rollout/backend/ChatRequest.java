package rsarl.rollout.backend;

import rsarl.model.ChatMessage;
import rsarl.model.SamplingParams;

import java.util.List;

/**
 * One chat completion to produce.
 *
 * @param messages the conversation (RSA uses one user message)
 * @param params   sampling settings
 * @param seed     the request's own sampling seed in [0, 2^31), so a deterministic backend returns the
 *                 same text for the same request whatever else is batched with it (resume relies on it)
 */
public record ChatRequest(List<ChatMessage> messages, SamplingParams params, long seed) {
    public ChatRequest {
        messages = List.copyOf(messages);
    }

    public static ChatRequest user(String content, SamplingParams params, long seed) {
        return new ChatRequest(List.of(ChatMessage.user(content)), params, seed);
    }
}
