package rsarl.rollout.backend;

import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.model.Generator;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Runs a {@link RequestFeed} on a local generator with continuous batching: ready requests join the running batch
 * between decode steps (in arrival order, while it holds fewer than {@code maxBatch} rows and their prompt +
 * max_tokens fit the token budget), finished rows leave it, and their results go back to the feed at once, so the
 * requests those results make ready join as well. A request over the budget on its own runs alone.
 *
 * <p>A batch's KV cache is as long as the longest row since the batch began (a joining row is left-padded to it),
 * so a batch that never empties would grow without bound. A batch therefore admits a row only while the row would
 * end within {@link #WINDOW} times the longest prompt + max_tokens of the rows it began with; past that a second
 * batch begins beside it (two at most, each decoded by its own forward) and the first one drains.
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

    /** A running batch, its members in listener order, and the length of its cache. */
    private static final class Batch {
        final List<Queued> members = new ArrayList<>();
        Generator.Running running;
        long length;
        long window;
    }

    private final LocalEngine engine;
    private final Generator generator;
    private final int maxBatch;
    private final long tokenBudget;
    private final String name;
    private final ArrayDeque<Queued> waiting = new ArrayDeque<>();
    private final List<Batch> batches = new ArrayList<>();
    private final List<Finished> finished = new ArrayList<>();

    ContinuousBatcher(LocalEngine engine, Generator generator, int maxBatch, long tokenBudget, String name) {
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
                if (batches.isEmpty()) return; // nothing waits (admit always starts a batch for a waiting row)
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
            for (Batch b : batches) {
                b.running.close();
            }
            batches.clear();
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
        int rows = 0;
        long reserved = 0;
        for (Batch b : batches) {
            rows += b.running.rows();
            reserved += b.running.tokensReserved();
        }
        Batch newest = batches.isEmpty() ? null : batches.get(batches.size() - 1);
        if (newest != null) {
            List<Queued> joining = take(rows, reserved, newest);
            if (!joining.isEmpty()) {
                int base = newest.members.size();
                newest.members.addAll(joining);
                generating(() -> newest.running.join(requests(joining), listener(newest, base)));
                newest.length = Math.max(newest.length, longestPrompt(joining));
                rows += joining.size();
                reserved += tokens(joining);
            }
        }
        boolean windowFull = newest != null && !waiting.isEmpty() && waiting.peek().end(newest.length) > newest.window;
        if ((newest == null || windowFull && batches.size() < 2) && !waiting.isEmpty()) {
            List<Queued> first = take(rows, reserved, null);
            if (first.isEmpty()) return;
            Batch b = new Batch();
            b.members.addAll(first);
            for (Queued q : first) b.window = Math.max(b.window, WINDOW * q.tokens());
            b.length = longestPrompt(first);
            generating(() -> b.running = generator.begin(requests(first), listener(b, 0)));
            batches.add(b);
        }
    }

    /** Waiting rows, in order, that fit beside {@code rows} running ones (and {@code into}'s window when not null). */
    private List<Queued> take(int rows, long reserved, Batch into) {
        List<Queued> out = new ArrayList<>();
        while (!waiting.isEmpty() && rows + out.size() < maxBatch) {
            Queued q = waiting.peek();
            boolean alone = rows == 0 && out.isEmpty();
            if (!alone && reserved + q.tokens() > tokenBudget) break;
            if (into != null && q.end(Math.max(into.length, longestPrompt(out))) > into.window) break;
            reserved += q.tokens();
            out.add(waiting.poll());
        }
        return out;
    }

    /** One decode step of every batch; finished rows are collected, empty batches closed. */
    private void step() {
        for (Iterator<Batch> it = batches.iterator(); it.hasNext(); ) {
            Batch b = it.next();
            boolean[] more = new boolean[1];
            generating(() -> more[0] = b.running.step());
            if (more[0]) {
                b.length++;
            } else {
                b.running.close();
                it.remove();
            }
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
