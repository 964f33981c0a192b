package rsarl.rollout.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import rsarl.model.Completion;
import rsarl.model.Detokenizer;
import rsarl.model.GenerationRequest;
import rsarl.model.Generator;
import rsarl.rollout.backend.LocalEngine;
import rsarl.rollout.backend.TextCompletion;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@code stream: true} answer as OpenAI sends it: server-sent events, one {@code chat.completion.chunk} (or
 * {@code text_completion}) per new token with the text it adds, a last chunk per choice with its finish reason,
 * the usage chunk when {@code stream_options.include_usage}, then {@code data: [DONE]}.
 *
 * <p>Tokens arrive on the scheduler thread and are queued, {@code streamInterval} at a time (and the rest when a
 * choice ends); the handler thread turns them into text and writes one chunk per group, so a slow client never
 * stalls the batch. Text is held back while it ends in an unfinished UTF-8 character or
 * could be the start of a stop string, and is cut before a stop string, as the non-streamed reply is.
 */
final class SseStream {
    private sealed interface Event permits Tokens, Done {
    }

    private record Token(int id, float logprob, int[] topIds, float[] topLogprobs) {
    }

    /** The next tokens of one choice, sent as one chunk. */
    private record Tokens(int choice, List<Token> tokens) implements Event {
    }

    private record Done(int choice, Completion completion, Throwable error) implements Event {
    }

    private final HttpExchange ex;
    private final ObjectMapper json;
    private final ObjectNode head;
    private final boolean chat;
    private final ApiRequest request;
    private final LocalEngine engine;
    private final List<GenerationRequest> rows;
    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    /** Per choice: its text so far, decoded a few tokens at a time (not the whole row again per token). */
    private final Detokenizer[] text;
    /** Per choice: text decoded but not sent yet (it may be the start of a stop string). */
    private final StringBuilder[] held;
    private final StringBuilder[] sent;
    private final int holdBack;
    private final int streamInterval;
    /** Per choice: tokens picked but not yet queued (fewer than streamInterval); the scheduler thread fills them. */
    private final List<List<Token>> picked = new ArrayList<>();
    private OutputStream out;

    /** @param head id, object, created and model of every chunk */
    SseStream(HttpExchange ex, ObjectMapper json, ObjectNode head, boolean chat, ApiRequest request,
              LocalEngine engine, List<GenerationRequest> rows, int streamInterval) {
        this.ex = ex;
        this.json = json;
        this.head = head;
        this.chat = chat;
        this.request = request;
        this.engine = engine;
        this.rows = rows;
        this.text = new Detokenizer[rows.size()];
        this.held = new StringBuilder[rows.size()];
        this.sent = new StringBuilder[rows.size()];
        int longest = 0;
        for (String s : request.params().stopStrings()) longest = Math.max(longest, s.length());
        this.holdBack = Math.max(0, longest - 1);
        this.streamInterval = streamInterval;
        for (int i = 0; i < rows.size(); i++) {
            picked.add(new ArrayList<>());
            text[i] = new Detokenizer(ids -> engine.tokenizer().decode(ids, true));
            held[i] = new StringBuilder();
            sent[i] = new StringBuilder();
        }
    }

    /** One listener per row, for {@link BatchScheduler#submit(List, List)}. */
    List<Generator.TokenListener> listeners() {
        List<Generator.TokenListener> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            int choice = i;
            out.add((req, index, token, lp, ti, tl) -> {
                List<Token> mine = picked.get(choice);
                synchronized (mine) {
                    mine.add(new Token(token, lp, ti, tl));
                    if (mine.size() >= streamInterval) queuePicked(choice);
                }
            });
        }
        return out;
    }

    /** Queues choice {@code choice}'s picked tokens, if any, as one chunk. */
    private void queuePicked(int choice) {
        List<Token> mine = picked.get(choice);
        synchronized (mine) {
            if (mine.isEmpty()) return;
            events.add(new Tokens(choice, List.copyOf(mine)));
            mine.clear();
        }
    }

    /** Sends the headers, then chunks until every row's future completes. */
    void run(List<CompletableFuture<Completion>> futures) throws IOException {
        for (int i = 0; i < futures.size(); i++) {
            int choice = i;
            futures.get(i).whenComplete((c, e) -> {
                queuePicked(choice); // the last tokens go before the finish
                events.add(new Done(choice, c, e));
            });
        }
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        out = ex.getResponseBody();
        if (chat) {
            for (int i = 0; i < rows.size(); i++) {
                ObjectNode c = chunk();
                ObjectNode choice = ((ArrayNode) c.get("choices")).addObject().put("index", i);
                choice.putObject("delta").put("role", "assistant").put("content", "");
                choice.putNull("logprobs").putNull("finish_reason");
                write(c);
            }
            out.flush();
        }
        int open = rows.size();
        long completionTokens = 0;
        List<Event> ready = new ArrayList<>();
        try {
            while (open > 0) {
                Event first = events.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                // everything queued since the last write goes out with one flush
                ready.clear();
                ready.add(first);
                events.drainTo(ready);
                for (Event e : ready) {
                    if (e instanceof Tokens t) {
                        tokens(t);
                    } else if (e instanceof Done d) {
                        open--;
                        if (d.error() != null) {
                            ObjectNode err = json.createObjectNode();
                            err.putObject("error").put("message", "generation failed: " + d.error())
                                    .put("type", "server_error");
                            write(err);
                        } else {
                            completionTokens += d.completion().tokenIds().length;
                            finish(d);
                        }
                    }
                }
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (request.output().includeUsage()) {
            ObjectNode c = chunk();
            long prompt = 0;
            for (int[] p : request.prompts()) prompt += p.length;
            c.putObject("usage").put("prompt_tokens", prompt).put("completion_tokens", completionTokens)
                    .put("total_tokens", prompt + completionTokens);
            write(c);
        }
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void tokens(Tokens t) throws IOException {
        int n = t.tokens().size();
        StringBuilder pending = held[t.choice()];
        for (Token k : t.tokens()) pending.append(text[t.choice()].append(k.id()));
        // send up to a stop string, and otherwise all but the last characters that could still begin one
        int safe = pending.length();
        for (String stop : request.params().stopStrings()) {
            int at = pending.indexOf(stop);
            if (at >= 0) safe = Math.min(safe, at);
        }
        if (safe == pending.length()) safe = Math.max(0, safe - holdBack);
        String delta = pending.substring(0, safe);
        pending.delete(0, safe);
        int offset = sent[t.choice()].length();
        sent[t.choice()].append(delta);
        ObjectNode c = chunk();
        ObjectNode choice = ((ArrayNode) c.get("choices")).addObject().put("index", t.choice());
        if (chat) choice.putObject("delta").put("content", delta); else choice.put("text", delta);
        if (request.logprobs()) {
            int[] ids = new int[n];
            float[] lps = new float[n];
            boolean withTop = t.tokens().get(0).topIds() != null;
            int[][] top = withTop ? new int[n][] : null;
            float[][] topLp = withTop ? new float[n][] : null;
            for (int k = 0; k < n; k++) {
                Token tok = t.tokens().get(k);
                ids[k] = tok.id();
                lps[k] = tok.logprob();
                if (withTop) {
                    top[k] = tok.topIds();
                    topLp[k] = tok.topLogprobs();
                }
            }
            if (chat) {
                LogprobsJson.chat(choice.putObject("logprobs").putArray("content"), engine, ids, lps, top, topLp, 0, n);
            } else {
                LogprobsJson.appendLegacy(LogprobsJson.legacy(choice.putObject("logprobs")), engine, ids, lps, top,
                        topLp, request.output().topLogprobs(), offset);
            }
        } else {
            choice.putNull("logprobs");
        }
        choice.putNull("finish_reason");
        write(c);
    }

    /** The rest of the final text (what was held back), and the finish reason. */
    private void finish(Done d) throws IOException {
        TextCompletion t = engine.text(rows.get(d.choice()), d.completion());
        String sentText = sent[d.choice()].toString();
        String rest = t.text().startsWith(sentText) ? t.text().substring(sentText.length()) : "";
        ObjectNode c = chunk();
        ObjectNode choice = ((ArrayNode) c.get("choices")).addObject().put("index", d.choice());
        if (chat) {
            ObjectNode delta = choice.putObject("delta");
            if (!rest.isEmpty()) delta.put("content", rest);
        } else {
            choice.put("text", rest);
        }
        choice.putNull("logprobs").put("finish_reason", t.finishReason());
        write(c);
    }

    private ObjectNode chunk() {
        ObjectNode c = head.deepCopy();
        c.putArray("choices");
        if (request.output().includeUsage()) c.putNull("usage");
        return c;
    }

    /** Queues one event; the run loop flushes after each batch of events (and the headers' chunks). */
    private void write(ObjectNode chunk) throws IOException {
        out.write(("data: " + json.writeValueAsString(chunk) + "\n\n").getBytes(StandardCharsets.UTF_8));
    }
}
