package rsarl.rollout.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import rsarl.model.Completion;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rollout replies become completions only when every token id and log-prob is there and valid. */
class TokenCompletionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String URL = "http://10.0.0.5:8000/v1/completions";

    private static JsonNode reply(String choices) throws IOException {
        return JSON.readTree("{\"choices\":[" + choices + "]}");
    }

    @Test
    void readsTokenIdsLogprobsAndFinishReasonInIndexOrder() throws IOException {
        List<Completion> c = TokenCompletions.parse(reply(
                "{\"index\":1,\"token_ids\":[7],\"logprobs\":{\"token_logprobs\":[-0.5]},\"finish_reason\":\"length\"},"
                + "{\"index\":0,\"token_ids\":[3,4],\"logprobs\":{\"token_logprobs\":[-1.0,-2.0]},"
                + "\"finish_reason\":\"stop\"}"), 2, 10, URL);
        assertArrayEquals(new int[] {3, 4}, c.get(0).tokenIds());
        assertArrayEquals(new float[] {-1f, -2f}, c.get(0).logprobs());
        assertTrue(c.get(1).truncated());
    }

    @Test
    void badRepliesAreErrorsNamingTheUrlAndTheChoice() throws IOException {
        String[][] cases = {
                {"{\"token_ids\":[3,99],\"logprobs\":{\"token_logprobs\":[-1,-1]},\"finish_reason\":\"stop\"}",
                        "choices[0].token_ids[1] = 99 is outside the vocabulary [0, 10)"},
                {"{\"token_ids\":[3],\"logprobs\":null,\"finish_reason\":\"stop\"}", "logprobs.token_logprobs"},
                {"{\"token_ids\":[3],\"logprobs\":{\"token_logprobs\":[null]},\"finish_reason\":\"stop\"}",
                        "token_logprobs[0] = null"},
                {"{\"text\":\"hi\",\"finish_reason\":\"stop\"}", "has no token_ids"},
                {"{\"token_ids\":[3],\"logprobs\":{\"token_logprobs\":[-1]},\"finish_reason\":\"abort\"}",
                        "finish_reason 'abort'"}};
        for (String[] c : cases) {
            IOException e = assertThrows(IOException.class, () -> TokenCompletions.parse(reply(c[0]), 1, 10, URL));
            assertTrue(e.getMessage().startsWith("rollout server " + URL) && e.getMessage().contains(c[1]),
                    e.getMessage());
        }
        IOException few = assertThrows(IOException.class, () -> TokenCompletions.parse(reply(""), 2, 10, URL));
        assertTrue(few.getMessage().contains("expected 2 choices, got 0"), few.getMessage());
    }

    @Test
    void requestBodyAsksForTokenIdsAndLogprobs() {
        JsonNode b = TokenCompletions.body("policy-v3", new int[] {1, 2}, 4, 9,
                new TokenCompletions.Params(16, 0.7, 0.95, List.of(0)));
        assertEquals("policy-v3", b.get("model").asText());
        assertEquals("[1,2]", b.get("prompt").toString());
        assertEquals(4, b.get("n").asInt());
        assertEquals(0, b.get("logprobs").asInt());
        assertTrue(b.get("return_token_ids").asBoolean());
        assertEquals(16, b.get("max_tokens").asInt());
    }
}
