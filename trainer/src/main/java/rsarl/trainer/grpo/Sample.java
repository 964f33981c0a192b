package rsarl.trainer.grpo;

/**
 * One scored completion ready for the update phase.
 *
 * @param prompt prompt token ids (chat-templated)
 * @param completion sampled completion token ids
 * @param samplerLogprobs the sampler's log-prob of each completion token (for the mismatch metric); may be null
 * @param truncated whether the completion hit {@code max_completion_length} without an end token
 * @param advantage the sequence's advantage from {@link Advantages}
 */
public record Sample(int[] prompt, int[] completion, float[] samplerLogprobs, boolean truncated, double advantage) {}
