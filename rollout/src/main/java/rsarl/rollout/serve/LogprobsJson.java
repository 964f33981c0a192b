package rsarl.rollout.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import rsarl.rollout.backend.LocalEngine;

import java.nio.charset.StandardCharsets;

/** OpenAI's two log-prob layouts: chat's {@code logprobs.content} entries and the legacy completions arrays. */
final class LogprobsJson {
    private LogprobsJson() {
    }

    /**
     * Appends chat entries {@code {token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}} for tokens
     * {@code [from, to)}; {@code topIds} may be null (empty top_logprobs lists).
     */
    static void chat(ArrayNode content, LocalEngine engine, int[] ids, float[] lps, int[][] topIds,
                     float[][] topLps, int from, int to) {
        for (int k = from; k < to; k++) {
            ObjectNode entry = entry(content.addObject(), engine, ids[k], lps[k]);
            ArrayNode top = entry.putArray("top_logprobs");
            if (topIds != null) {
                for (int j = 0; j < topIds[k].length; j++) entry(top.addObject(), engine, topIds[k][j], topLps[k][j]);
            }
        }
    }

    private static ObjectNode entry(ObjectNode o, LocalEngine engine, int id, float lp) {
        String token = engine.tokenText(id);
        o.put("token", token).put("logprob", lp);
        ArrayNode bytes = o.putArray("bytes");
        for (byte b : token.getBytes(StandardCharsets.UTF_8)) bytes.add(b & 0xff);
        return o;
    }

    /** The legacy object {@code {tokens, token_logprobs, top_logprobs, text_offset}}, empty, to append to. */
    static ObjectNode legacy(ObjectNode lp) {
        lp.putArray("tokens");
        lp.putArray("token_logprobs");
        lp.putArray("top_logprobs");
        lp.putArray("text_offset");
        return lp;
    }

    /**
     * Appends tokens to a {@link #legacy} object; {@code lps[k]} may be NaN (the first prompt token has no
     * log-prob: null, as OpenAI reports it); top_logprobs entries are {@code {token: logprob}} maps, or null when
     * none were asked for. Returns the text offset after the last token.
     */
    static int appendLegacy(ObjectNode lp, LocalEngine engine, int[] ids, float[] lps, int[][] topIds,
                            float[][] topLps, int top, int offset) {
        ArrayNode tokens = (ArrayNode) lp.get("tokens");
        ArrayNode values = (ArrayNode) lp.get("token_logprobs");
        ArrayNode tops = (ArrayNode) lp.get("top_logprobs");
        ArrayNode offsets = (ArrayNode) lp.get("text_offset");
        for (int k = 0; k < ids.length; k++) {
            String token = engine.tokenText(ids[k]);
            tokens.add(token);
            if (Float.isNaN(lps[k])) values.addNull(); else values.add(lps[k]);
            if (top == 0 || topIds == null || topIds[k] == null) {
                tops.addNull();
            } else {
                ObjectNode map = tops.addObject();
                for (int j = 0; j < topIds[k].length; j++) map.put(engine.tokenText(topIds[k][j]), topLps[k][j]);
            }
            offsets.add(offset);
            offset += token.length();
        }
        return offset;
    }
}
