package rsarl.rollout.backend;

import ai.djl.Device;
import rsarl.model.ChatMessage;
import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.model.Generator;
import rsarl.model.QwenConfig;
import rsarl.model.QwenModel;
import rsarl.model.QwenTokenizer;
import rsarl.model.SamplingParams;
import rsarl.model.SharedFusedWeights;
import rsarl.model.peft.PeftAdapter;

import java.io.IOException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A model folder (weights, config.json, tokenizer.json) opened for text generation: chat prompts in, OpenAI-style
 * text out. Shared by {@link LocalBackend} and the HTTP server so both turn the same request into the same text.
 * Generation itself is not thread-safe: one thread at a time may call {@link #generator()}'s {@code generate}.
 */
public final class LocalEngine implements AutoCloseable {
    private final Path dir;
    private final Device device;
    private final QwenModel model;
    private final QwenTokenizer tokenizer;
    private final List<Integer> eosIds;
    private final boolean owns;
    /**
     * One fused weight copy for every batch over the loaded model (its weights change only by reloads); null for a
     * caller's model ({@link #over}: the trainer updates its weights in place, so each batch copies them).
     */
    private final SharedFusedWeights fused;

    private LocalEngine(Path dir, Device device, QwenModel model, QwenTokenizer tokenizer) {
        this(dir, device, model, tokenizer, true);
    }

    private LocalEngine(Path dir, Device device, QwenModel model, QwenTokenizer tokenizer, boolean owns) {
        this.owns = owns;
        this.dir = dir;
        this.device = device;
        this.model = model;
        this.tokenizer = tokenizer;
        this.fused = owns ? new SharedFusedWeights(model) : null;
        Set<Integer> eos = new LinkedHashSet<>(model.config().eosTokenIds());
        eos.addAll(tokenizer.eosIds());
        this.eosIds = List.copyOf(eos);
    }

    /**
     * Loads the model (float32) and the tokenizer of {@code dir}; {@code device} is {@code cpu}, {@code cuda} or
     * {@code cuda:N}. A PEFT adapter folder loads as its base ({@code base_model_name_or_path}) with the adapter merged.
     */
    public static LocalEngine load(Path dir, String device) {
        return load(dir, null, device, "fp32");
    }

    /** As {@link #load(Path, String)} with the weights in {@code dtype} ({@code fp32} or {@code fp16}). */
    public static LocalEngine load(Path dir, String device, String dtype) {
        return load(dir, null, device, dtype);
    }

    /** As {@link #load(Path, String)}; {@code base} names an adapter's base folder explicitly (null: from its config). */
    public static LocalEngine load(Path dir, Path base, String device) {
        return load(dir, base, device, "fp32");
    }

    /**
     * The model in {@code dtype} ({@code fp32} or {@code fp16}); {@code base} names an adapter's base folder
     * explicitly (null: from its config).
     */
    public static LocalEngine load(Path dir, Path base, String device, String dtype) {
        Device d = device(device);
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model directory not found: " + dir);
        }
        // A PEFT adapter folder stands for its base with the adapter merged (tokenizer: the adapter's, else the base's).
        boolean adapter = PeftAdapter.isAdapter(dir) && !Files.isRegularFile(dir.resolve("config.json"));
        Path tokDir = dir;
        if (adapter && !Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            try {
                tokDir = PeftAdapter.baseDir(dir, base);
            } catch (IOException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
        if (!Files.isRegularFile(tokDir.resolve("tokenizer.json"))) {
            throw new IllegalArgumentException(dir + ": no tokenizer.json beside the weights");
        }
        QwenTokenizer tokenizer = QwenTokenizer.load(tokDir);
        try {
            QwenModel model;
            try {
                model = adapter ? PeftAdapter.loadMerged(dir, base, d, rsarl.model.ComputeOptions.computeType(dtype))
                        : QwenModel.load(dir, d, rsarl.model.ComputeOptions.computeType(dtype));
            } catch (IOException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            if (tokenizer.vocabSize() > model.config().vocabSize()) {
                model.close();
                throw new IllegalArgumentException(dir + ": tokenizer has " + tokenizer.vocabSize()
                        + " ids but the model's vocab_size is " + model.config().vocabSize());
            }
            return new LocalEngine(dir, d, model, tokenizer);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /**
     * An engine over a model and tokenizer that stay owned by the caller (closing the engine leaves them open):
     * e.g. the trainer evaluating its current weights in process.
     */
    public static LocalEngine over(Path dir, QwenModel model, QwenTokenizer tokenizer) {
        Device d = model.parameters().values().iterator().next().getDevice();
        return new LocalEngine(dir, d, model, tokenizer, false);
    }

    /** A device name ({@code cpu}, {@code cuda}, {@code cuda:N}), checked against the engine. */
    public static Device device(String name) {
        try {
            return rsarl.model.ComputeOptions.usable(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("device: " + e.getMessage(), e);
        }
    }

    /** The folder's name, used as the served model name. */
    public String name() {
        Path f = dir.toAbsolutePath().normalize().getFileName();
        return f == null ? dir.toString() : f.toString();
    }

    public Path dir() {
        return dir;
    }

    public Device device() {
        return device;
    }

    /** The dtype the weights are held in ({@code backend.dtype}). */
    public ai.djl.ndarray.types.DataType dtype() {
        return model.computeType();
    }

    public QwenConfig config() {
        return model.config();
    }

    public QwenTokenizer tokenizer() {
        return tokenizer;
    }

    /** The model's and the tokenizer's end-of-turn ids: generation always stops on them. */
    public List<Integer> eosIds() {
        return eosIds;
    }

    /** A generator that knows stop strings, splitting work into batches of at most {@code maxBatch} rows. */
    public Generator generator(int maxBatch) {
        return generator(model, maxBatch);
    }

    /** As {@link #generator(int)} over other weights of the same model (e.g. an adapter merged into a view). */
    public Generator generator(QwenModel weights, int maxBatch) {
        Generator g = new Generator(weights).withDetokenizer(ids -> tokenizer.decode(ids, true)).withMaxBatch(maxBatch);
        return weights == model && fused != null ? g.withSharedFusedWeights(fused) : g;
    }

    /** The model (the server swaps adapters over it and reloads its weights in place). */
    public QwenModel model() {
        return model;
    }

    /** Token ids of the conversation in the folder's chat template, ending with the assistant generation prompt. */
    public int[] chatPrompt(List<ChatMessage> messages) {
        return chatPrompt(messages, true);
    }

    /** As {@link #chatPrompt(List)}; {@code enableThinking=false} pre-fills an empty think block (Qwen3). */
    public int[] chatPrompt(List<ChatMessage> messages, boolean enableThinking) {
        return tokenizer.encode(tokenizer.chatTemplate().render(messages, true, enableThinking));
    }

    /** Token ids of a plain text prompt (special tokens in the text are kept whole). */
    public int[] textPrompt(String text) {
        return tokenizer.encode(text);
    }

    /** The request {@link #generator} runs for these prompt ids: eos ids are added to the stop ids. */
    public GenerationRequest request(int[] promptIds, SamplingParams params, long seed) {
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("prompt: empty (it must have at least one token)");
        }
        List<Integer> stopIds = new ArrayList<>(params.stopTokenIds());
        for (int id : eosIds) {
            if (!stopIds.contains(id)) {
                stopIds.add(id);
            }
        }
        return new GenerationRequest(promptIds, params.withStopTokenIds(stopIds), seed);
    }

    /**
     * Turns a completion into OpenAI-style text: special tokens dropped, and cut before the first stop string
     * (OpenAI and vLLM leave the stop string out of the reply). Token counts include every generated token.
     */
    public TextCompletion text(GenerationRequest request, Completion c) {
        String text = tokenizer.decode(c.tokenIds(), true);
        String finish = c.finishReason();
        int cut = -1;
        for (String stop : request.params().stopStrings()) {
            int at = text.indexOf(stop);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            text = text.substring(0, cut);
            finish = "stop";
        }
        return new TextCompletion(text, c.tokenIds(), c.logprobs(), request.promptIds().length, finish);
    }

    /** Log-probs of the prompt's own tokens and {@code top} alternatives per position (safe beside generation). */
    public rsarl.model.PromptLogprobs scorePrompt(int[] promptIds, int top) {
        return rsarl.model.PromptLogprobs.score(model, promptIds, top);
    }

    /** Text of one token for per-token log-prob listings (special tokens spelled out). */
    public String tokenText(int id) {
        return tokenizer.decode(new int[] {id}, false);
    }

    @Override
    public void close() {
        if (owns) {
            fused.close();
            model.close();
            tokenizer.close();
        }
    }
}
