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
    /** Prompt columns per prefill forward on the CPU (package-private so tests can force chunking). */
    int prefillChunk = 256;
    /**
     * On a GPU a prefill forward is launch-bound (~18 ms for qwen3-0.6b, one row or sixteen), so columns are sized
     * by its attention scores instead: up to 1 GiB of {@code [B, heads, chunk, T]} float32. At 256 columns a
     * 1,024-token prompt took four forwards and prefilled at 0.27x of PyTorch eager on an H200.
     */
    static final long GPU_PREFILL_SCORE_BYTES = 1L << 30;

    private final QwenModel model;
    private final Function<int[], String> detokenizer;
    private final int maxBatch;
    private final boolean processedLogprobs;
    /** Null: {@link FusedWeights#enabledFor} decides. */
    private final Boolean fused;
    /** Null: each batch builds its own fused copy at its first decode step. */
    private final SharedFusedWeights shared;
    /** Test hook: called after each step's sub-manager is closed, with the step number. */
    IntConsumer afterStep = step -> { };
    private Stats lastStats = new Stats(0, 0, 0, 0, 0, 0);
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * Timings of the last {@link #generate} call: prefill (all batches, first token included) and decode steps,
     * with the tokens the decode steps produced; wall-clock and the generating thread's CPU time (what a
     * benchmark on a loaded machine can compare: with one torch thread the ops run on that thread).
     */
    public record Stats(double prefillMs, double decodeMs, long decodeSteps, long decodedTokens,
                        double prefillCpuMs, double decodeCpuMs) {
        public double decodeTokensPerSecond() {
            return decodeMs <= 0 ? 0 : decodedTokens / (decodeMs / 1e3);
        }

        Stats plus(Stats o) {
            return new Stats(prefillMs + o.prefillMs, decodeMs + o.decodeMs, decodeSteps + o.decodeSteps,
                    decodedTokens + o.decodedTokens, prefillCpuMs + o.prefillCpuMs, decodeCpuMs + o.decodeCpuMs);
        }
    }

    private static long cpuNanos() {
        return CPU.isCurrentThreadCpuTimeSupported() ? CPU.getCurrentThreadCpuTime() : 0;
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

        /** Called once a request is done, before the rest of its batch: its callers need not wait for them. */
        default void onFinish(int request, Completion completion) {
        }
    }

    public Generator(QwenModel model) {
        this(model, null, 64, false, null, null);
    }

    private Generator(QwenModel model, Function<int[], String> detokenizer, int maxBatch, boolean processedLogprobs,
                      Boolean fused, SharedFusedWeights shared) {
        if (shared != null && shared.model() != model) {
            throw new IllegalArgumentException("shared fused weights are of another model");
        }
        this.shared = shared;
        this.model = model;
        this.detokenizer = detokenizer;
        this.maxBatch = maxBatch;
        this.processedLogprobs = processedLogprobs;
        this.fused = fused;
    }

    /** Enables stop strings: the function turns generated ids into text. */
    public Generator withDetokenizer(Function<int[], String> detokenizer) {
        return new Generator(model, detokenizer, maxBatch, processedLogprobs, fused, shared);
    }

    /** Requests run in chunks of at most this many rows (bounds memory; default 64). */
    public Generator withMaxBatch(int rows) {
        if (rows < 1) throw new IllegalArgumentException("max batch must be >= 1, got " + rows);
        return new Generator(model, detokenizer, rows, processedLogprobs, fused, shared);
    }

    /**
     * {@code true}: completions report log-probs of the distribution tokens are drawn from (after penalties and
     * temperature; vLLM's {@code processed_logprobs}); {@code false} (default, what the trainer needs): of the raw
     * model ({@code raw_logprobs}).
     */
    public Generator withProcessedLogprobs(boolean processed) {
        return new Generator(model, detokenizer, maxBatch, processed, fused, shared);
    }

    /**
     * {@code true}: each batch's decode steps run on a fused copy of the layer weights ({@link FusedWeights}: fewer,
     * larger matrix products; the copy costs the layers' weight memory again while the batch decodes and is built
     * from the current weights for every batch; prefill uses the parameters as they are, unless the copy is
     * {@link #withSharedFusedWeights shared}); {@code false}: every step on the parameters as they are. Default: the
     * {@code rsa.decode.fused} system property ({@code auto}: fused while the copy is at most 1 GiB).
     */
    public Generator withFusedWeights(boolean on) {
        return new Generator(model, detokenizer, maxBatch, processedLogprobs, on, shared);
    }

    /**
     * Batches prefill and decode on one fused copy kept across batches ({@link SharedFusedWeights}: for weights that
     * change only by {@link QwenModel#loadWeightsFrom}) instead of a copy per batch; only where fused weights are on.
     */
    public Generator withSharedFusedWeights(SharedFusedWeights weights) {
        return new Generator(model, detokenizer, maxBatch, processedLogprobs, fused, weights);
    }

    /** The shared copy, or null. */
    SharedFusedWeights sharedFusedWeights() {
        return shared;
    }

    boolean fusedWeights() {
        return fused != null ? fused : FusedWeights.enabledFor(model.config(), model.computeType());
    }

    public List<Completion> generate(List<GenerationRequest> requests) {
        return generate(requests, null);
    }

    QwenModel model() {
        return model;
    }

    Function<int[], String> detokenizer() {
        return detokenizer;
    }

    boolean processedLogprobs() {
        return processedLogprobs;
    }

    private void validate(List<GenerationRequest> requests) {
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
    }

    /** Prompt columns per prefill forward of {@code rows} prompts of {@code promptLen} tokens. */
    int prefillColumns(int rows, int promptLen) {
        return prefillColumns(prefillChunk, model.manager().getDevice().isGpu(), rows, model.config().numHeads(),
                promptLen);
    }

    /** The CPU's fixed {@code base} columns, or on a GPU as many as {@link #GPU_PREFILL_SCORE_BYTES} allow. */
    static int prefillColumns(int base, boolean gpu, int rows, int heads, int promptLen) {
        if (!gpu) return base;
        long perColumn = 4L * rows * heads * promptLen;
        return (int) Math.max(base, Math.min(promptLen, GPU_PREFILL_SCORE_BYTES / perColumn));
    }

    /** One chunk from prefill to its last row, timed into {@link #lastStats}. */
    private List<Completion> run(List<GenerationRequest> chunk, TokenListener listener) {
        try (DecodeBatch batch = new DecodeBatch(this, chunk, listener)) {
            long t0 = System.nanoTime();
            long c0 = cpuNanos();
            batch.start();
            afterStep.accept(0);
            long tDecode = System.nanoTime();
            long cDecode = cpuNanos();
            long steps = 0;
            long decoded = 0;
            for (int step = 1; ; step++) {
                if (step > 1) decoded += batch.rows();
                if (!batch.advance()) break;
                steps++;
                afterStep.accept(step);
            }
            long tEnd = System.nanoTime();
            long cEnd = cpuNanos();
            lastStats = lastStats.plus(new Stats((tDecode - t0) / 1e6, (tEnd - tDecode) / 1e6, steps, decoded,
                    (cDecode - c0) / 1e6, (cEnd - cDecode) / 1e6));
            return batch.completions();
        }
    }

    /**
     * Starts (prefills) a batch that more requests may {@link Running#join} between its steps: continuous
     * batching for a server. The caller drives it from one thread and closes it.
     */
    public Running begin(List<GenerationRequest> requests, TokenListener listener) {
        validate(requests);
        DecodeBatch batch = new DecodeBatch(this, requests, listener);
        try {
            batch.start();
        } catch (RuntimeException e) {
            batch.close();
            throw e;
        }
        return new Running(batch);
    }

    /** A batch in flight: {@link #step} decodes one token for every row; {@link #join} adds requests. */
    public final class Running implements AutoCloseable {
        private final DecodeBatch batch;
        private boolean done;

        private Running(DecodeBatch batch) {
            this.batch = batch;
        }

        /** Prefills {@code requests} and adds them to the rows; the listener gets indices into this list. */
        public void join(List<GenerationRequest> requests, TokenListener listener) {
            if (done) throw new IllegalStateException("the batch has finished; begin a new one");
            validate(requests);
            DecodeBatch other = new DecodeBatch(Generator.this, requests, listener);
            try {
                other.start();
            } catch (RuntimeException e) {
                other.close();
                throw e;
            }
            batch.absorb(other);
        }

        /** Records every row's token (finished rows are reported and leave) and decodes the next; false: none left. */
        public boolean step() {
            if (done) return false;
            done = !batch.advance();
            return !done;
        }

        /** Rows still decoding. */
        public int rows() {
            return done ? 0 : batch.rows();
        }

        /**
         * Key slots every row attends over (the longest row's tokens plus the left padding of the others): grows a slot
         * a step and on joins, shrinks when padding no remaining row needs is dropped.
         */
        public long cachedLength() {
            return done ? 0 : batch.cachedLength();
        }

        /** Prompt + max_tokens of the rows still decoding. */
        public long tokensReserved() {
            return done ? 0 : batch.tokensReserved();
        }

        @Override
        public void close() {
            batch.close();
        }
    }

    /** As {@link #generate(List)}, telling {@code listener} (when not null) each token as it is picked. */
    public List<Completion> generate(List<GenerationRequest> requests, TokenListener listener) {
        validate(requests);
        Completion[] out = new Completion[requests.size()];
        lastStats = new Stats(0, 0, 0, 0, 0, 0);
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
                    : new TokenListener() {
                        @Override
                        public void onToken(int req, int index, int token, float lp, int[] ti, float[] tl) {
                            listener.onToken(order[from + req], index, token, lp, ti, tl);
                        }

                        @Override
                        public void onFinish(int req, Completion c) {
                            listener.onFinish(order[from + req], c);
                        }
                    };
            List<Completion> part = run(chunk, mapped);
            for (int i = start; i < end; i++) out[order[i]] = part.get(i - start);
        }
        return Arrays.asList(out);
    }
}
