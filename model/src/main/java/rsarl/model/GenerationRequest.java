package rsarl.model;

/**
 * One prompt to continue. The seed fixes the random stream of this request alone, so the same seed
 * gives the same completion whatever else shares the batch.
 */
public record GenerationRequest(int[] promptIds, SamplingParams params, long seed) {
}
