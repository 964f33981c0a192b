package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Requests decoding together: {@link #start} left-pads and prefills them, then each {@link #advance} records every
 * row's picked token (finished rows leave the batch and the cache) and runs one decode step for the rest.
 * {@link #absorb} lets another started batch join between steps (continuous batching): the shorter cache is
 * left-padded to the longer one's length and the rows are stacked. Not thread-safe: one thread drives a batch.
 */
final class DecodeBatch implements AutoCloseable {
    private static final int INITIAL_NEW_CAPACITY = 128;
    /** Stop strings are searched in the text of this many tokens more than the longest stop string's length. */
    private static final int STOP_TAIL_SLACK = 8;
    /** Fewest shared padding slots worth copying the cache to drop ({@link #dropSharedPadding}). */
    private static final int MIN_DROP = 16;

    private final Generator gen;
    private final QwenModel model;
    private final List<GenerationRequest> requests = new ArrayList<>();
    private final List<List<Integer>> tokens = new ArrayList<>();
    private final List<List<Float>> logprobs = new ArrayList<>();
    private final List<List<int[]>> topIds = new ArrayList<>();
    private final List<List<float[]>> topLogprobs = new ArrayList<>();
    private final List<String> finish = new ArrayList<>();
    private final List<SplittableRandom> rngs = new ArrayList<>();
    private final List<Set<Integer>> stopIds = new ArrayList<>();
    /** rows[r] = request index of batch row r; pad[r] = left padding of that row. */
    private int[] rows;
    private int[] pad;

    private final List<Generator.TokenListener> listeners = new ArrayList<>();
    private KvCache cache;
    /**
     * Fused weights of this batch's own for the decode steps, built at the first one (so prefill and the first
     * token do not wait for the copy, and a batch absorbed by another never builds one); null: not yet, not wanted,
     * or the generator's shared copy is used.
     */
    private FusedWeights fused;
    private CachedForward cached;
    /** The generator's shared copy this batch uses from its prefill on; null: none (a copy of its own, or plain). */
    private SharedFusedWeights.Copy lease;
    private Boolean wantFused;
    /** The picks of the last forward, one per row, not yet recorded. */
    private TokenPicker.Picks dist;

    DecodeBatch(Generator gen, List<GenerationRequest> batch, Generator.TokenListener listener) {
        this.gen = gen;
        this.model = gen.model();
        for (GenerationRequest r : batch) add(r, listener);
    }

    private void add(GenerationRequest r, Generator.TokenListener listener) {
        requests.add(r);
        listeners.add(listener);
        finish.add(null);
        tokens.add(new ArrayList<>());
        logprobs.add(new ArrayList<>());
        topIds.add(new ArrayList<>());
        topLogprobs.add(new ArrayList<>());
        rngs.add(new SplittableRandom(r.seed()));
        Set<Integer> stop = new HashSet<>(model.config().eosTokenIds());
        stop.addAll(r.params().stopTokenIds());
        stopIds.add(stop);
    }

    /** Requests in this batch so far (finished ones included); listener indices count these. */
    int size() {
        return requests.size();
    }

    /** Rows still decoding. */
    int rows() {
        return rows.length;
    }

    /** Key slots of the cache (padding included). */
    long cachedLength() {
        return cache == null ? 0 : cache.length();
    }

    /** Prompt + max_tokens of the rows still decoding: what a token budget counts. */
    long tokensReserved() {
        long t = 0;
        for (int req : rows) t += (long) requests.get(req).promptIds().length + requests.get(req).params().maxNewTokens();
        return t;
    }

    /** Left-pads the prompts into one batch and prefills it: every row's first pick is ready. */
    void start() {
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
        model.reservePositions((long) promptMax + newMax);
        // The cache starts small and doubles when needed: most rows stop long before max_new_tokens.
        cache = model.newCache(n, promptMax + Math.min(newMax, INITIAL_NEW_CAPACITY));
        SharedFusedWeights shared = gen.sharedFusedWeights();
        if (shared != null && gen.fusedWeights()) {
            lease = shared.acquire();
            cached = lease.forward;
        }
        dist = prefill(cache, promptMax);
    }

    /**
     * Records every row's pick (finished rows are reported and leave), then decodes one step for the rest.
     *
     * @return false when no row is left (nothing was decoded)
     */
    boolean advance() {
        int[] next = new int[rows.length];
        List<Integer> keep = new ArrayList<>();
        for (int r = 0; r < rows.length; r++) {
            next[r] = choose(rows[r], dist, r);
            int req = rows[r];
            if (finish.get(req) == null) {
                keep.add(r);
            } else if (listeners.get(req) != null) {
                listeners.get(req).onFinish(req, completion(req));
            }
        }
        if (keep.isEmpty()) {
            rows = new int[0];
            return false;
        }
        if (keep.size() < rows.length) {
            int[] kept = keep.stream().mapToInt(Integer::intValue).toArray();
            cache.keepRows(kept);
            rows = select(rows, kept);
            pad = select(pad, kept);
            next = select(next, kept);
            dropSharedPadding();
        }
        dist = decode(cache, next);
        return true;
    }

    /**
     * After rows left: the padding every remaining row has in front (left by a longer row that finished, or by a
     * joined batch's alignment) is cut from the cache once it is worth a copy of the cache, at least
     * {@value #MIN_DROP} slots and an eighth of them, so attention stops reading keys no row can see.
     */
    private void dropSharedPadding() {
        int shared = Arrays.stream(pad).min().orElse(0);
        if (shared >= MIN_DROP && shared * 8L >= cache.length()) {
            cache.dropLeft(shared);
            for (int r = 0; r < pad.length; r++) pad[r] -= shared;
        }
    }

    /**
     * Takes over the rows of {@code other} (started, not yet advanced, same generator): its requests get indices
     * after this batch's, its caches are merged into this one's and {@code other} is closed.
     */
    void absorb(DecodeBatch other) {
        int base = requests.size();
        for (int i = 0; i < other.requests.size(); i++) {
            requests.add(other.requests.get(i));
            listeners.add(other.listeners.get(i) == null ? null : shifted(other.listeners.get(i), base));
            finish.add(other.finish.get(i));
            tokens.add(other.tokens.get(i));
            logprobs.add(other.logprobs.get(i));
            topIds.add(other.topIds.get(i));
            topLogprobs.add(other.topLogprobs.get(i));
            rngs.add(other.rngs.get(i));
            stopIds.add(other.stopIds.get(i));
        }
        long mine = cache.length();
        long theirs = other.cache.length();
        if (mine < theirs) {
            cache.padLeft(theirs - mine);
            for (int r = 0; r < pad.length; r++) pad[r] += (int) (theirs - mine);
        } else if (theirs < mine) {
            other.cache.padLeft(mine - theirs);
            for (int r = 0; r < other.pad.length; r++) other.pad[r] += (int) (mine - theirs);
        }
        cache.addRows(other.cache);
        int[] joinedRows = Arrays.copyOf(rows, rows.length + other.rows.length);
        int[] joinedPad = Arrays.copyOf(pad, pad.length + other.pad.length);
        for (int r = 0; r < other.rows.length; r++) {
            joinedRows[rows.length + r] = base + other.rows[r];
            joinedPad[pad.length + r] = other.pad[r];
        }
        rows = joinedRows;
        pad = joinedPad;
        dist = TokenPicker.concat(dist, other.dist);
        other.close();
    }

    /** The listener of a joined request sees the index it had in its own batch. */
    private static Generator.TokenListener shifted(Generator.TokenListener l, int base) {
        return new Generator.TokenListener() {
            @Override
            public void onToken(int request, int index, int token, float lp, int[] ti, float[] tl) {
                l.onToken(request - base, index, token, lp, ti, tl);
            }

            @Override
            public void onFinish(int request, Completion c) {
                l.onFinish(request - base, c);
            }
        };
    }

    /** Every request's completion, in request order (call after the last advance). */
    List<Completion> completions() {
        List<Completion> out = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) out.add(completion(i));
        return out;
    }

    @Override
    public void close() {
        if (cache != null) cache.close();
        cache = null;
        if (fused != null) fused.close();
        fused = null;
        if (lease != null) gen.sharedFusedWeights().release(lease);
        lease = null;
        cached = null;
    }
    private Completion completion(int i) {
        int[] ids = tokens.get(i).stream().mapToInt(Integer::intValue).toArray();
        float[] lp = new float[ids.length];
        for (int j = 0; j < lp.length; j++) lp[j] = logprobs.get(i).get(j);
        int top = requests.get(i).params().topLogprobs();
        return top == 0 ? new Completion(ids, lp, finish.get(i)) : new Completion(ids, lp, finish.get(i),
                topIds.get(i).toArray(new int[0][]), topLogprobs.get(i).toArray(new float[0][]));
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
        int columns = gen.prefillColumns(b, promptMax);
        for (int c0 = 0; ; c0 += columns) {
            int c1 = Math.min(promptMax, c0 + columns);
            try (NDManager m = model.manager().newSubManager()) {
                NDArray in = m.create(ids, new Shape(b, promptMax)).get(new NDIndex(":, {}:{}", c0, c1));
                NDArray at = m.create(pos, new Shape(b, promptMax)).get(new NDIndex(":, {}:{}", c0, c1));
                NDArray keys = m.create(mask, new Shape(b, promptMax)).get(new NDIndex(":, 0:{}", c1));
                NDArray logits;
                if (cached != null) {
                    logits = cached.forwardLast(in, at, keys, cache);
                } else {
                    try (NoGrad ng = NoGrad.enter()) {
                        logits = model.forwardLast(in, at, keys, cache);
                    }
                }
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
            return dist(m, forwardLast(m.create(ids, s), m.create(pos, s), keys, cache));
        }
    }

    /** A decode step's forward: on fused weights where the generator wants them ({@link Generator#withFusedWeights}). */
    private NDArray forwardLast(NDArray ids, NDArray pos, NDArray keys, KvCache cache) {
        if (wantFused == null) wantFused = gen.fusedWeights();
        if (cached == null && wantFused) {
            fused = FusedWeights.of(model);
            cached = new CachedForward(model, fused);
        }
        if (cached != null) return cached.forwardLast(ids, pos, keys, cache);
        try (NoGrad ng = NoGrad.enter()) {
            return model.forwardLast(ids, pos, keys, cache);
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
            rowRngs[r] = rngs.get(rows[r]);
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
        return TokenPicker.pick(m, logits, processed, params, rowRngs, top, gen.processedLogprobs());
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
        Generator.TokenListener listener = listeners.get(req);
        if (listener != null) listener.onToken(req, mine.size() - 1, token, picks.logprobs()[r], ti, tl);
        if (stopIds.get(req).contains(token) || hitsStopString(mine, p)) {
            finish.set(req, "stop");
        } else if (mine.size() >= p.maxNewTokens()) {
            finish.set(req, "length");
        }
        return token;
    }

    private boolean hitsStopString(List<Integer> generated, SamplingParams p) {
        if (gen.detokenizer() == null || p.stopStrings().isEmpty()) return false;
        // A stop string completed by the newest token lies within its last few tokens: decode only that tail.
        int longest = p.stopStrings().stream().mapToInt(String::length).max().orElse(0);
        int from = Math.max(0, generated.size() - longest - STOP_TAIL_SLACK);
        String text = gen.detokenizer().apply(generated.subList(from, generated.size()).stream()
                .mapToInt(Integer::intValue).toArray());
        for (String stop : p.stopStrings()) if (text.contains(stop)) return true;
        return false;
    }

    private static int[] select(int[] a, int[] idx) {
        int[] out = new int[idx.length];
        for (int i = 0; i < idx.length; i++) out[i] = a[idx[i]];
        return out;
    }
}
