package rsarl.rollout.serve;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The request fields {@code rsa serve} does not know (a typo such as {@code temprature} would otherwise change
 * nothing, silently). As vLLM does, they are logged with a warning and the request is served; the fields the server
 * honours or refuses with a 400 are the OpenAI API's, which {@link ApiRequest} reads.
 */
final class IgnoredFields {
    private static final Set<String> COMMON = Set.of("model", "temperature", "top_p", "top_k", "min_p", "max_tokens",
            "n", "seed", "stop", "stop_token_ids", "logprobs", "stream", "stream_options", "frequency_penalty",
            "presence_penalty", "repetition_penalty", "logit_bias", "response_format", "best_of", "user",
            "return_token_ids");
    private static final Set<String> CHAT = Set.of("messages", "max_completion_tokens", "top_logprobs",
            "chat_template_kwargs", "tools", "tool_choice", "parallel_tool_calls");
    private static final Set<String> COMPLETION = Set.of("prompt", "echo", "suffix");

    private IgnoredFields() {
    }

    /** Top-level fields of a chat ({@code chat}) or completion body that neither API has, in body order. */
    static List<String> of(JsonNode root, boolean chat) {
        List<String> out = new ArrayList<>();
        if (root != null && root.isObject()) {
            root.fieldNames().forEachRemaining(f -> {
                if (!COMMON.contains(f) && !(chat ? CHAT : COMPLETION).contains(f)) {
                    out.add(f);
                }
            });
        }
        return out;
    }

    /** Logs {@code rsa serve: warning: ... ignored: f1, f2} when the body has such fields. */
    static void warn(JsonNode root, boolean chat, String path, PrintStream log) {
        List<String> ignored = of(root, chat);
        if (!ignored.isEmpty()) {
            log.println("rsa serve: warning: " + path + ": the following fields were present in the request but"
                    + " ignored: " + String.join(", ", ignored));
            log.flush();
        }
    }
}
