package rsarl.rollout.backend;

import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.model.Generator;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a {@link RequestFeed} on a local generator with continuous batching: ready requests join the running batch
 * between decode steps (in arrival order, while it holds at most {@code maxBatch} rows and their prompt + max_tokens
 * fit the token budget), finished rows leave it, and their results go back to the feed at once, so the requests
 * those results make ready can join as well. When no batch runs, the next one begins with what is ready, from any
 * problem and state. A request over the budget on its own runs alone.
 *
 * <p>Joining costs a prefill forward and a copy of the batch's cache, so rows join in groups: once half the batch
 * is free (or everything waiting fits). A joining row is left-padded to the batch's cache, which drops padding only
 * once every remaining row has it (the long rows left), so a batch admits a row only while the row would end within
 * {@link #WINDOW} times the longest prompt + max_tokens of the rows it began with, counted from the cache's current
 * length; past that it drains and the next batch begins fresh.
 */
final class ContinuousBatcher {
    static final int WINDOW = 2;

    private record Queued(RequestFeed.Item item, GenerationRequest request) {
        long tokens() {
            return (long) request.promptIds().length + request.params().maxNewTokens();
        }

        long end(long from) {
            return Math.max(from, request.promptIds().length) + request.params().maxNewTokens();
        }
    }

    private record Finished(Queued queued, Completion completion) {
    }

    /** A running batch, its members in listener order, and the most key slots its cache may reach. */
    private static final class Batch {
        final List<Queued> members = new ArrayList<>();
        Generator.Running running;
        long window;
    }

    private final LocalEngine engine;
    private final Generator generator;
    private final int maxBatch;
    private final long tokenBudget;
    private final String name;
    /** Free rows before waiting rows join (fewer when fewer wait). */
    private final int joinFree;
    private final ArrayDeque<Queued> waiting = new ArrayDeque<>();
    private Batch batch;
    private final List<Finished> finished = new ArrayList<>();
    private long joined;

    ContinuousBatcher(LocalEngine engine, Generator generator, int maxBatch, long tokenBudget, String name) {
        this.joinFree = Math.max(1, maxBatch / 2);
        this.engine = engine;
        this.generator = generator;
        this.maxBatch = maxBatch;
        this.tokenBudget = tokenBudget;
        this.name = name;
    }

    /** Generates until the feed is drained; one call at a time. */
    void run(RequestFeed feed) {
        try {
            while (true) {
                for (RequestFeed.Item item = feed.poll(); item != null; item = feed.poll()) {
                    waiting.add(prepare(item));
                }
                admit();
                if (batch == null) return; // nothing waits (admit always starts a batch for a waiting row)
                step();
                List<Finished> done = new ArrayList<>(finished);
                finished.clear();
                for (Finished f : done) {
                    TextCompletion t = engine.text(f.queued().request(), f.completion());
                    f.queued().item().done().accept(new BackendResult(t.text(), t.promptTokens(),
                            t.completionTokens(), t.finishReason()));
                }
            }
        } finally {
            if (batch != null) batch.running.close();
            batch = null;
            waiting.clear();
            finished.clear();
        }
    }

    private Queued prepare(RequestFeed.Item item) {
        ChatRequest r = item.request();
        try {
            return new Queued(item, engine.request(engine.chatPrompt(r.messages()), r.params(), r.seed()));
        } catch (IllegalArgumentException e) {
            throw new BackendException(name + ": request: " + e.getMessage(), e);
        }
    }

    private void admit() {
        if (waiting.isEmpty()) return;
        if (batch == null) {
            List<Queued> first = take(0, 0, null);
            Batch b = new Batch();
            b.members.addAll(first);
            for (Queued q : first) b.window = Math.max(b.window, WINDOW * q.tokens());
            generating(() -> b.running = generator.begin(requests(first), listener(b, 0)));
            batch = b;
            return;
        }
        int rows = batch.running.rows();
        if (maxBatch - rows < Math.min(joinFree, waiting.size())) return;
        List<Queued> joining = take(rows, batch.running.tokensReserved(), batch);
        if (joining.isEmpty()) return;
        Batch b = batch;
        int base = b.members.size();
        b.members.addAll(joining);
        generating(() -> b.running.join(requests(joining), listener(b, base)));
        joined += joining.size();
    }

    /** Rows that joined a running batch so far (rather than beginning one). */
    long joinedRows() {
        return joined;
    }

    /** Waiting rows, in order, that fit beside {@code rows} running ones (and {@code into}'s window when not null). */
    private List<Queued> take(int rows, long reserved, Batch into) {
        List<Queued> out = new ArrayList<>();
        long length = into == null ? 0 : into.running.cachedLength(); // the running cache's slots, before the join
        while (!waiting.isEmpty() && rows + out.size() < maxBatch) {
            Queued q = waiting.peek();
            boolean alone = rows == 0 && out.isEmpty();
            if (!alone && reserved + q.tokens() > tokenBudget) break;
            if (into != null && q.end(Math.max(length, longestPrompt(out))) > into.window) break;
            reserved += q.tokens();
            out.add(waiting.poll());
        }
        return out;
    }

    /** One decode step; finished rows are collected, an empty batch closed. */
    private void step() {
        boolean[] more = new boolean[1];
        generating(() -> more[0] = batch.running.step());
        if (!more[0]) {
            batch.running.close();
            batch = null;
        }
    }

    private void generating(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            throw new BackendException(name + ": generation failed: " + e.getMessage(), e);
        }
    }

    private Generator.TokenListener listener(Batch b, int base) {
        return new Generator.TokenListener() {
            @Override
            public void onToken(int request, int index, int token, float logprob, int[] topIds, float[] topLps) {
            }

            @Override
            public void onFinish(int request, Completion c) {
                finished.add(new Finished(b.members.get(base + request), c));
            }
        };
    }

    private static List<GenerationRequest> requests(List<Queued> queued) {
        return queued.stream().map(Queued::request).toList();
    }

    private static long longestPrompt(List<Queued> queued) {
        long m = 0;
        for (Queued q : queued) m = Math.max(m, q.request().promptIds().length);
        return m;
    }

    private static long tokens(List<Queued> queued) {
        long t = 0;
        for (Queued q : queued) t += q.tokens();
        return t;
    }
}
