package rsarl.model;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The project's own small tokenizer: a byte-level BPE trained on {@link TrainingCorpus} (or given texts),
 * written as a Hugging Face {@code tokenizer.json} + {@code tokenizer_config.json} with Qwen's chat special
 * tokens, loadable by {@link QwenTokenizer}. Ids: 0..255 bytes, then merges, then the added tokens, so the
 * vocabulary is exactly {@code vocabSize} ids when the corpus allows that many merges.
 * {@code <answer>} deliberately stays plain text: verifiers parse it from decoded text.
 */
public final class BpeTokenizerBuilder {
    public static final int DEFAULT_VOCAB_SIZE = 512;
    /** Added tokens in id order; the first three are special (skipped by decode(ids, true)), like Qwen3. */
    public static final List<String> ADDED_TOKENS =
            List.of(QwenTokenizer.END_OF_TEXT, QwenTokenizer.IM_START, QwenTokenizer.IM_END, "<think>", "</think>");
    private static final int SPECIAL_COUNT = 3;

    /** What was written: sizes for reporting. */
    public record Result(Path dir, int vocabSize, int mergeCount, int byteTokens, int addedTokens) {
    }

    private final int vocabSize;
    private List<String> corpus;
    private List<String> extra = List.of();

    public BpeTokenizerBuilder(int vocabSize) {
        int min = 256 + ADDED_TOKENS.size();
        if (vocabSize < min || vocabSize > 65_536) {
            throw new IllegalArgumentException("vocab size " + vocabSize + " must be in [" + min + ", 65536]");
        }
        this.vocabSize = vocabSize;
    }

    /** Trains on these texts instead of the built-in corpus. */
    public BpeTokenizerBuilder corpus(List<String> texts) {
        this.corpus = List.copyOf(texts);
        return this;
    }

    /**
     * Trains on the corpus (built-in unless replaced) plus these texts: task prompts and solutions added here
     * become short token sequences (a toy model's aggregation prompt shrinks from ~500 tokens to ~100).
     */
    public BpeTokenizerBuilder extraCorpus(List<String> texts) {
        this.extra = List.copyOf(texts);
        return this;
    }

    /** Trains and writes tokenizer.json and tokenizer_config.json into {@code dir} (created if needed). */
    public Result write(Path dir) {
        List<String> texts = new ArrayList<>(corpus != null ? corpus : TrainingCorpus.builtIn());
        texts.addAll(extra);
        BpeTrainer.Result trained = BpeTrainer.train(texts, vocabSize - ADDED_TOKENS.size(), ADDED_TOKENS);
        int firstAdded = trained.tokens().size();
        try {
            Files.createDirectories(dir);
            writeAtomically(dir.resolve("tokenizer.json"), tokenizerJson(trained, firstAdded));
            writeAtomically(dir.resolve("tokenizer_config.json"), tokenizerConfig(firstAdded));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write tokenizer to " + dir + ": " + e.getMessage(), e);
        }
        return new Result(dir, firstAdded + ADDED_TOKENS.size(), trained.merges().size(), 256, ADDED_TOKENS.size());
    }

    private static ObjectNode tokenizerJson(BpeTrainer.Result trained, int firstAdded) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < ADDED_TOKENS.size(); i++) {
            added.add(addedToken(i, firstAdded + i, true));
        }
        root.putNull("normalizer"); // no NFC: every string round-trips byte for byte
        root.set("pre_tokenizer", byteLevel(true));
        root.set("post_processor", byteLevel(false));
        root.set("decoder", byteLevel(true));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < trained.tokens().size(); id++) {
            vocab.put(ByteLevelAlphabet.spell(trained.tokens().get(id)), id);
        }
        ArrayNode merges = model.putArray("merges");
        for (BpeTrainer.Merge m : trained.merges()) {
            // Byte-level spellings never contain a space (it is 'Ġ'), so "left right" is unambiguous.
            merges.add(ByteLevelAlphabet.spell(trained.tokens().get(m.left())) + " "
                    + ByteLevelAlphabet.spell(trained.tokens().get(m.right())));
        }
        return root;
    }

    /** An AddedToken as tokenizer.json ({@code withId}) or tokenizer_config.json's added_tokens_decoder writes it. */
    private static ObjectNode addedToken(int index, int id, boolean withId) {
        ObjectNode t = JsonNodeFactory.instance.objectNode();
        if (withId) {
            t.put("id", id);
        }
        t.put("content", ADDED_TOKENS.get(index));
        t.put("single_word", false);
        t.put("lstrip", false);
        t.put("rstrip", false);
        t.put("normalized", false);
        t.put("special", index < SPECIAL_COUNT);
        return t;
    }

    private static ObjectNode byteLevel(boolean useRegex) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", false);
        n.put("trim_offsets", false);
        n.put("use_regex", useRegex);
        return n;
    }

    private static ObjectNode tokenizerConfig(int firstAdded) {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.put("add_bos_token", false);
        c.put("add_prefix_space", false);
        ObjectNode decoder = c.putObject("added_tokens_decoder");
        for (int i = 0; i < ADDED_TOKENS.size(); i++) {
            decoder.set(Integer.toString(firstAdded + i), addedToken(i, firstAdded + i, false));
        }
        c.putArray("additional_special_tokens").add(QwenTokenizer.IM_START).add(QwenTokenizer.IM_END);
        c.putNull("bos_token");
        c.put("chat_template", chatTemplate());
        c.put("clean_up_tokenization_spaces", false);
        c.put("eos_token", QwenTokenizer.IM_END);
        c.put("errors", "replace");
        c.put("model_max_length", 32768);
        c.put("pad_token", QwenTokenizer.END_OF_TEXT);
        c.put("split_special_tokens", false);
        c.put("tokenizer_class", "PreTrainedTokenizerFast");
        c.putNull("unk_token");
        return c;
    }

    /** The Jinja form of {@link ChatTemplate}'s rules, for tools that render chats from the config. */
    static String chatTemplate() {
        try (InputStream in = BpeTokenizerBuilder.class.getResourceAsStream("chatml_template.jinja")) {
            if (in == null) {
                throw new IllegalStateException("resource rsarl/model/chatml_template.jinja missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeAtomically(Path target, ObjectNode json) throws IOException {
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(new DefaultIndenter("  ", "\n"));
        ObjectWriter w = new ObjectMapper().writer(pp);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, (w.writeValueAsString(json) + "\n").getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
