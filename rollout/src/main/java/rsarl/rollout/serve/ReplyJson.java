package rsarl.rollout.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.rollout.backend.LocalEngine;
import rsarl.rollout.backend.TextCompletion;

import java.util.List;

/**
 * The bodies of non-streamed replies: a {@code chat.completion} or {@code text_completion} object's choices
 * (text, log-probs, finish reason, vLLM's token ids) and usage, written into the head the server made.
 */
final class ReplyJson {
    /** One choice: its row, the OpenAI-style text and the generator's completion (for top log-probs). */
    record Finished(GenerationRequest row, TextCompletion text, Completion raw) {
    }

    private final LocalEngine engine;

    ReplyJson(LocalEngine engine) {
        this.engine = engine;
    }

    ObjectNode chat(ObjectNode root, List<Finished> done, ApiRequest request) {
        ArrayNode choices = root.putArray("choices");
        for (int i = 0; i < done.size(); i++) {
            TextCompletion t = done.get(i).text();
            Completion c = done.get(i).raw();
            ObjectNode choice = choices.addObject().put("index", i);
            choice.putObject("message").put("role", "assistant").put("content", t.text());
            if (request.logprobs()) {
                LogprobsJson.chat(choice.putObject("logprobs").putArray("content"), engine, t.tokenIds(),
                        t.logprobs(), c.topIds(), c.topLogprobs(), 0, t.tokenIds().length);
            } else {
                choice.putNull("logprobs");
            }
            choice.put("finish_reason", t.finishReason());
        }
        usage(root, done, request);
        return root;
    }

    ObjectNode completion(ObjectNode root, List<Finished> done, ApiRequest request, boolean returnTokenIds) {
        ArrayNode choices = root.putArray("choices");
        int top = request.output().topLogprobs();
        for (int i = 0; i < done.size(); i++) {
            TextCompletion t = done.get(i).text();
            Completion c = done.get(i).raw();
            int[] prompt = done.get(i).row().promptIds();
            String echoed = request.output().echo() ? engine.tokenizer().decode(prompt, false) : "";
            ObjectNode choice = choices.addObject().put("index", i).put("text", echoed + t.text());
            if (request.logprobs()) {
                ObjectNode lp = LogprobsJson.legacy(choice.putObject("logprobs"));
                int offset = request.output().echo() ? echoLogprobs(lp, prompt, top) : 0;
                LogprobsJson.appendLegacy(lp, engine, t.tokenIds(), t.logprobs(), c.topIds(), c.topLogprobs(), top,
                        offset);
            } else {
                choice.putNull("logprobs");
            }
            choice.put("finish_reason", t.finishReason());
            if (returnTokenIds) {
                // vLLM's return_token_ids: the prompt's and the completion's ids, as the trainer puts them in the loss.
                ArrayNode p = choice.putArray("prompt_token_ids");
                for (int id : request.prompts().get(i / request.n())) p.add(id);
                ArrayNode c2 = choice.putArray("token_ids");
                for (int id : t.tokenIds()) c2.add(id);
            }
        }
        usage(root, done, request);
        return root;
    }

    /** The prompt's own tokens first; the first has no log-prob (null), as OpenAI reports it. Returns the offset. */
    private int echoLogprobs(ObjectNode lp, int[] prompt, int top) {
        rsarl.model.PromptLogprobs scored = engine.scorePrompt(prompt, top);
        float[] lps = new float[prompt.length];
        int[][] topIds = new int[prompt.length][];
        float[][] topLps = new float[prompt.length][];
        lps[0] = Float.NaN;
        for (int k = 1; k < prompt.length; k++) {
            lps[k] = scored.logprobs()[k - 1];
            topIds[k] = scored.topIds()[k - 1];
            topLps[k] = scored.topLogprobs()[k - 1];
        }
        return LogprobsJson.appendLegacy(lp, engine, prompt, lps, topIds, topLps, top, 0);
    }

    /** OpenAI counts each prompt once however many choices it has; completion tokens add up over choices. */
    private static void usage(ObjectNode root, List<Finished> done, ApiRequest request) {
        long prompt = 0;
        for (int[] p : request.prompts()) prompt += p.length;
        long completion = 0;
        for (Finished t : done) completion += t.text().completionTokens();
        root.putObject("usage").put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }
}
