package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * Batched generation with a KV cache: prompts are left-padded into one batch, prefilled once, then decoded one
 * token per step; rows that finish leave the batch (and the cache). Each request draws from its own
 * {@link SplittableRandom} seeded by the request, once per sampled step, so its tokens do not depend on what
 * else shares the batch. Every step runs in a sub-manager that is closed before the next one.
 */
public final class Generator {
    private static final int INITIAL_NEW_CAPACITY = 128;
    /** Prompt columns per prefill forward (package-private so tests can force chunking). */
    int prefillChunk = 256;
    /** Stop strings are searched in the text of this many tokens more than the longest stop string's length. */
    private static final int STOP_TAIL_SLACK = 8;

    private final QwenModel model;
    private final Function<int[], String> detokenizer;
    private final int maxBatch;
    private final boolean processedLogprobs;
    /** Test hook: called after each step's sub-manager is closed, with the step number. */
    IntConsumer afterStep = step -> { };
    private Stats lastStats = new Stats(0, 0, 0, 0);

    /**
     * Timings of the last {@link #generate} call: prefill (all batches, first token included) and decode steps,
     * with the tokens the decode steps produced.
     */
    public record Stats(double prefillMs, double decodeMs, long decodeSteps, long decodedTokens) {
        public double decodeTokensPerSecond() {
            return decodeMs <= 0 ? 0 : decodedTokens / (decodeMs / 1e3);
        }

        Stats plus(Stats o) {
            return new Stats(prefillMs + o.prefillMs, decodeMs + o.decodeMs, decodeSteps + o.decodeSteps,
                    decodedTokens + o.decodedTokens);
        }
    }

    public Stats lastStats() {
        return lastStats;
    }

    /** Called as each request's new token is picked (from the generating thread). */
    @FunctionalInterface
    public interface TokenListener {
        /**
         * @param request     index into the requests passed to {@link #generate}
         * @param index       position of the token in that request's output (0 = first)
         * @param topIds      the request's top-log-prob ids at this step (null when it asks for none)
         * @param topLogprobs their log-probs
         */
        void onToken(int request, int index, int token, float logprob, int[] topIds, float[] topLogprobs);
    }

    public Generator(QwenModel model) {
        this(model, null, 64, false);
    }

    private Generator(QwenModel model, Function<int[], String> detokenizer, int maxBatch, boolean processedLogprobs) {
        this.model = model;
        this.detokenizer = detokenizer;
        this.maxBatch = maxBatch;
        this.processedLogprobs = processedLogprobs;
    }

    /** Enables stop strings: the function turns generated ids into text. */
    public Generator withDetokenizer(Function<int[], String> detokenizer) {
        return new Generator(model, detokenizer, maxBatch, processedLogprobs);
    }

    /** Requests run in chunks of at most this many rows (bounds memory; default 64). */
    public Generator withMaxBatch(int rows) {
        if (rows < 1) throw new IllegalArgumentException("max batch must be >= 1, got " + rows);
        return new Generator(model, detokenizer, rows, processedLogprobs);
    }

    /**
     * {@code true}: completions report log-probs of the distribution tokens are drawn from (after penalties and
     * temperature; vLLM's {@code processed_logprobs}); {@code false} (default, what the trainer needs): of the raw
     * model ({@code raw_logprobs}).
     */
    public Generator withProcessedLogprobs(boolean processed) {
        return new Generator(model, detokenizer, maxBatch, processed);
    }

    public List<Completion> generate(List<GenerationRequest> requests) {
        return generate(requests, null);
    }

    /** As {@link #generate(List)}, telling {@code listener} (when not null) each token as it is picked. */
    public List<Completion> generate(List<GenerationRequest> requests, TokenListener listener) {
        int vocab = model.config().vocabSize();
        for (int i = 0; i < requests.size(); i++) {
            int[] ids = requests.get(i).promptIds();
            if (ids.length == 0) throw new IllegalArgumentException("request " + i + ": empty prompt");
            for (int t : ids) {
                if (t < 0 || t >= vocab) {
                    throw new IllegalArgumentException("request " + i + ": token id " + t + " is outside [0, " + vocab + ")");
                }
            }
        }
        Completion[] out = new Completion[requests.size()];
        lastStats = new Stats(0, 0, 0, 0);
        // Similar prompt lengths share a chunk (less padding); results go back in request order.
        Integer[] order = new Integer[requests.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingInt(i -> requests.get(i).promptIds().length));
        for (int start = 0; start < order.length; start += maxBatch) {
            int end = Math.min(order.length, start + maxBatch);
            List<GenerationRequest> chunk = new ArrayList<>();
            for (int i = start; i < end; i++) chunk.add(requests.get(order[i]));
            int from = start;
            TokenListener mapped = listener == null ? null
                    : (req, index, token, lp, ti, tl) -> listener.onToken(order[from + req], index, token, lp, ti, tl);
            List<Completion> part = new Batch(chunk, mapped).run();
            for (int i = start; i < end; i++) out[order[i]] = part.get(i - start);
        }
        return Arrays.asList(out);
    }

    /** The state of one batch of requests while it decodes. */
    private final class Batch {
        private final List<GenerationRequest> requests;
        private final List<List<Integer>> tokens = new ArrayList<>();
        private final List<List<Float>> logprobs = new ArrayList<>();
        private final List<List<int[]>> topIds = new ArrayList<>();
        private final List<List<float[]>> topLogprobs = new ArrayList<>();
        private final TokenListener listener;
        private final String[] finish;
        private final SplittableRandom[] rngs;
        private final List<Set<Integer>> stopIds = new ArrayList<>();
        /** rows[r] = request index of batch row r; pad[r] = left padding of that row. */
        private int[] rows;
        private int[] pad;

        Batch(List<GenerationRequest> requests, TokenListener listener) {
            this.requests = requests;
            this.listener = listener;
            int n = requests.size();
            finish = new String[n];
            rngs = new SplittableRandom[n];
            for (int i = 0; i < n; i++) {
                tokens.add(new ArrayList<>());
                logprobs.add(new ArrayList<>());
                topIds.add(new ArrayList<>());
                topLogprobs.add(new ArrayList<>());
                rngs[i] = new SplittableRandom(requests.get(i).seed());
                Set<Integer> stop = new HashSet<>(model.config().eosTokenIds());
                stop.addAll(requests.get(i).params().stopTokenIds());
                stopIds.add(stop);
            }
        }

        List<Completion> run() {
            int n = requests.size();
            int promptMax = 0;
            int newMax = 0;
            for (GenerationRequest r : requests) {
                promptMax = Math.max(promptMax, r.promptIds().length);
                newMax = Math.max(newMax, r.params().maxNewTokens());
            }
            rows = new int[n];
            pad = new int[n];
            for (int r = 0; r < n; r++) {
                rows[r] = r;
                pad[r] = promptMax - requests.get(r).promptIds().length;
            }
            long t0 = System.nanoTime();
            long tDecode = t0;
            long steps = 0;
            long decoded = 0;
            model.reservePositions((long) promptMax + newMax);
            // The cache starts small and doubles when needed: most rows stop long before max_new_tokens.
            try (KvCache cache = model.newCache(n, promptMax + Math.min(newMax, INITIAL_NEW_CAPACITY))) {
                TokenPicker.Picks dist = prefill(cache, promptMax);
                afterStep.accept(0);
                for (int step = 1; ; step++) {
                    if (step == 1) {
                        tDecode = System.nanoTime();
                    } else {
                        decoded += rows.length;
                    }
                    int[] next = new int[rows.length];
                    List<Integer> keep = new ArrayList<>();
                    for (int r = 0; r < rows.length; r++) {
                        next[r] = choose(rows[r], dist, r);
                        if (finish[rows[r]] == null) keep.add(r);
                    }
                    if (keep.isEmpty()) break;
                    if (keep.size() < rows.length) {
                        int[] kept = keep.stream().mapToInt(Integer::intValue).toArray();
                        cache.keepRows(kept);
                        rows = select(rows, kept);
                        pad = select(pad, kept);
                        next = select(next, kept);
                    }
                    dist = decode(cache, next);
                    steps++;
                    afterStep.accept(step);
                }
            }
            long tEnd = System.nanoTime();
            lastStats = lastStats.plus(new Stats((tDecode - t0) / 1e6, (tEnd - tDecode) / 1e6, steps, decoded));
            List<Completion> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int[] ids = tokens.get(i).stream().mapToInt(Integer::intValue).toArray();
                float[] lp = new float[ids.length];
                for (int j = 0; j < lp.length; j++) lp[j] = logprobs.get(i).get(j);
                int top = requests.get(i).params().topLogprobs();
                out.add(top == 0 ? new Completion(ids, lp, finish[i]) : new Completion(ids, lp, finish[i],
                        topIds.get(i).toArray(new int[0][]), topLogprobs.get(i).toArray(new float[0][])));
            }
            return out;
        }

        private TokenPicker.Picks prefill(KvCache cache, int promptMax) {
            int b = rows.length;
            long[] ids = new long[b * promptMax];
            long[] pos = new long[b * promptMax];
            long[] mask = new long[b * promptMax];
            for (int r = 0; r < b; r++) {
                int[] prompt = requests.get(rows[r]).promptIds();
                for (int j = 0; j < promptMax; j++) {
                    int real = j - pad[r];
                    int at = r * promptMax + j;
                    ids[at] = real >= 0 ? prompt[real] : 0;
                    pos[at] = Math.max(real, 0);
                    mask[at] = real >= 0 ? 1 : 0;
                }
            }
            // Long prompts go through in column chunks (the cache carries the prefix), so attention scores
            // stay [B, heads, chunk, T] instead of [B, heads, T, T].
            for (int c0 = 0; ; c0 += prefillChunk) {
                int c1 = Math.min(promptMax, c0 + prefillChunk);
                try (NDManager m = model.manager().newSubManager()) {
                    NDArray in = m.create(ids, new Shape(b, promptMax)).get(new NDIndex(":, {}:{}", c0, c1));
                    NDArray at = m.create(pos, new Shape(b, promptMax)).get(new NDIndex(":, {}:{}", c0, c1));
                    NDArray keys = m.create(mask, new Shape(b, promptMax)).get(new NDIndex(":, 0:{}", c1));
                    NDArray logits = model.forwardLast(in, at, keys, cache);
                    if (c1 == promptMax) return dist(m, logits);
                }
            }
        }

        /** Feeds each row's newest token; its position is the number of real tokens before it. */
        private TokenPicker.Picks decode(KvCache cache, int[] next) {
            int b = rows.length;
            int total = (int) cache.length() + 1;
            long[] ids = new long[b];
            long[] pos = new long[b];
            boolean padded = false;
            for (int r = 0; r < b; r++) {
                int req = rows[r];
                ids[r] = next[r];
                pos[r] = requests.get(req).promptIds().length + tokens.get(req).size() - 1;
                padded |= pad[r] > 0;
            }
            try (NDManager m = model.manager().newSubManager()) {
                Shape s = new Shape(b, 1);
                // without padding every cached key is visible: no mask at all
                NDArray keys = padded ? m.create(keyMask(b, total), new Shape(b, total)) : null;
                return dist(m, model.forwardLast(m.create(ids, s), m.create(pos, s), keys, cache));
            }
        }

        private long[] keyMask(int b, int total) {
            long[] mask = new long[b * total];
            for (int r = 0; r < b; r++) Arrays.fill(mask, r * total + pad[r], (r + 1) * total, 1L);
            return mask;
        }

        /** Every row's next token, picked on the engine where possible ({@link TokenPicker}). */
        private TokenPicker.Picks dist(NDManager m, NDArray logits) {
            SamplingParams[] params = new SamplingParams[rows.length];
            SplittableRandom[] rowRngs = new SplittableRandom[rows.length];
            int top = 0;
            for (int r = 0; r < rows.length; r++) {
                params[r] = requests.get(rows[r]).params();
                rowRngs[r] = rngs[rows[r]];
                top = Math.max(top, params[r].topLogprobs());
            }
            NDArray processed = logits;
            if (LogitPenalties.any(params)) {
                List<int[]> prompts = new ArrayList<>();
                List<List<Integer>> outputs = new ArrayList<>();
                for (int req : rows) {
                    prompts.add(requests.get(req).promptIds());
                    outputs.add(tokens.get(req));
                }
                processed = LogitPenalties.apply(m, logits, params, prompts, outputs);
            }
            return TokenPicker.pick(m, logits, processed, params, rowRngs, top, processedLogprobs);
        }

        /** Records request {@code req}'s picked token (batch row r) and its raw log-prob; marks it finished if so. */
        private int choose(int req, TokenPicker.Picks picks, int r) {
            SamplingParams p = requests.get(req).params();
            int token = picks.tokens()[r];
            List<Integer> mine = tokens.get(req);
            mine.add(token);
            logprobs.get(req).add(picks.logprobs()[r]);
            int[] ti = null;
            float[] tl = null;
            if (p.topLogprobs() > 0) {
                int k = Math.min(p.topLogprobs(), picks.topIds()[r].length);
                ti = Arrays.copyOf(picks.topIds()[r], k);
                tl = Arrays.copyOf(picks.topLogprobs()[r], k);
                topIds.get(req).add(ti);
                topLogprobs.get(req).add(tl);
            }
            if (listener != null) listener.onToken(req, mine.size() - 1, token, picks.logprobs()[r], ti, tl);
            if (stopIds.get(req).contains(token) || hitsStopString(mine, p)) {
                finish[req] = "stop";
            } else if (mine.size() >= p.maxNewTokens()) {
                finish[req] = "length";
            }
            return token;
        }

        private boolean hitsStopString(List<Integer> generated, SamplingParams p) {
            if (detokenizer == null || p.stopStrings().isEmpty()) return false;
            // A stop string completed by the newest token lies within its last few tokens: decode only that tail.
            int longest = p.stopStrings().stream().mapToInt(String::length).max().orElse(0);
            int from = Math.max(0, generated.size() - longest - STOP_TAIL_SLACK);
            String text = detokenizer.apply(generated.subList(from, generated.size()).stream()
                    .mapToInt(Integer::intValue).toArray());
            for (String stop : p.stopStrings()) if (text.contains(stop)) return true;
            return false;
        }
    }

    private static int[] select(int[] a, int[] idx) {
        int[] out = new int[idx.length];
        for (int i = 0; i < idx.length; i++) out[i] = a[idx[i]];
        return out;
    }
}
