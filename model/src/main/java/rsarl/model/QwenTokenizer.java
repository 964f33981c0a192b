package rsarl.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face {@code tokenizer.json} (Qwen's or the project's own byte-level BPE) loaded through DJL,
 * configured as an LM tokenizer: no truncation, no padding, no added BOS/EOS, special tokens in the text
 * encode to their single ids. Safe to share between threads (the native tokenizer is immutable).
 */
public final class QwenTokenizer implements AutoCloseable {
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";
    public static final String END_OF_TEXT = "<|endoftext|>";

    private final Path file;
    private final HuggingFaceTokenizer hf;
    private final Map<String, Integer> tokenToId;
    private final int vocabSize;
    private final List<Integer> eosIds;
    private volatile FolderChatTemplate chatTemplate;

    private QwenTokenizer(Path file, HuggingFaceTokenizer hf, Map<String, Integer> tokenToId,
                          List<Integer> eosIds) {
        this.file = file;
        this.hf = hf;
        this.tokenToId = tokenToId;
        this.vocabSize = tokenToId.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        this.eosIds = eosIds;
    }

    /**
     * Loads {@code tokenizer.json} from a directory (which may also hold {@code tokenizer_config.json}) or
     * from the file itself. Never downloads.
     */
    public static QwenTokenizer load(Path dirOrTokenizerJson) {
        Path file = Files.isDirectory(dirOrTokenizerJson)
                ? dirOrTokenizerJson.resolve("tokenizer.json") : dirOrTokenizerJson;
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("tokenizer file not found: " + file);
        }
        Map<String, Integer> vocab = readVocab(file);
        Path dir = file.toAbsolutePath().getParent();
        String configEos = readConfigEosToken(dir.resolve("tokenizer_config.json"));

        List<Integer> eos = new ArrayList<>();
        Set<String> eosTokens = new LinkedHashSet<>();
        eosTokens.add(IM_END);
        eosTokens.add(END_OF_TEXT);
        if (configEos != null) {
            eosTokens.add(configEos);
        }
        for (String t : eosTokens) {
            Integer id = vocab.get(t);
            if (id != null && !eos.contains(id)) {
                eos.add(id);
            }
        }

        // DJL's defaults truncate to 512 tokens and pad: an LM needs the raw ids.
        Map<String, String> options = Map.of(
                "addSpecialTokens", "false",
                "truncation", "false",
                "padding", "false");
        HuggingFaceTokenizer hf;
        try {
            hf = HuggingFaceTokenizer.newInstance(file, options);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid tokenizer " + file + ": " + e.getMessage(), e);
        }
        return new QwenTokenizer(file, hf, Collections.unmodifiableMap(vocab), List.copyOf(eos));
    }

    /** Token ids of {@code text}: nothing added, nothing cut, special tokens kept whole. */
    public int[] encode(String text) {
        long[] ids = hf.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    /** Text of {@code ids}, special tokens included. */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * Text of {@code ids}; byte-level pieces of one character are joined before UTF-8 decoding. Ids without
     * a token (Qwen pads its embedding past {@link #vocabSize()}) decode to nothing, as in Hugging Face.
     */
    public String decode(int[] ids, boolean skipSpecial) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0) {
                throw new IllegalArgumentException("negative token id " + ids[i] + " at position " + i);
            }
            l[i] = ids[i];
        }
        return hf.decode(l, skipSpecial);
    }

    /** Id of a vocabulary or added token written as it appears in tokenizer.json, or -1. */
    public int tokenId(String token) {
        Integer id = tokenToId.get(token);
        return id == null ? -1 : id;
    }

    /** Largest id in the model vocabulary or the added tokens, plus one. */
    public int vocabSize() {
        return vocabSize;
    }

    /** Ids that end an assistant turn: im_end, endoftext, and the config's eos_token, where present. */
    public List<Integer> eosIds() {
        return eosIds;
    }

    /**
     * The chat template of this tokenizer's folder ({@code chat_template.jinja} or {@code tokenizer_config.json}),
     * the built-in ChatML one where it has none; read on first use.
     */
    public FolderChatTemplate chatTemplate() {
        FolderChatTemplate t = chatTemplate;
        if (t == null) {
            synchronized (this) {
                if (chatTemplate == null) {
                    chatTemplate = FolderChatTemplate.forFolder(file.toAbsolutePath().getParent());
                }
                t = chatTemplate;
            }
        }
        return t;
    }

    /** The tokenizer.json this was loaded from. */
    public Path file() {
        return file;
    }

    @Override
    public void close() {
        hf.close();
    }

    /**
     * Streams through tokenizer.json collecting {@code model.vocab} and {@code added_tokens} (the merges,
     * most of the file, are skipped), so an 11 MB Qwen file costs no tree in memory.
     */
    private static Map<String, Integer> readVocab(Path file) {
        Map<String, Integer> vocab = new HashMap<>();
        boolean sawModel = false;
        try (InputStream in = Files.newInputStream(file);
             JsonParser p = new JsonFactory().createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("invalid tokenizer " + file + ": not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("model") && value == JsonToken.START_OBJECT) {
                    sawModel = true;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String mf = p.currentName();
                        JsonToken mv = p.nextToken();
                        if (mf.equals("vocab") && mv == JsonToken.START_OBJECT) {
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String tok = p.currentName();
                                if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
                                    throw new IllegalArgumentException("invalid tokenizer " + file
                                            + ": model.vocab[" + tok + "] is not an integer id");
                                }
                                vocab.put(tok, p.getIntValue());
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                } else if (field.equals("added_tokens") && value == JsonToken.START_ARRAY) {
                    ObjectMapper om = new ObjectMapper();
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        JsonNode t = om.readTree(p);
                        if (!t.path("content").isTextual() || !t.path("id").canConvertToInt()) {
                            throw new IllegalArgumentException("invalid tokenizer " + file
                                    + ": added_tokens entry without content/id: " + t);
                        }
                        vocab.put(t.get("content").asText(), t.get("id").asInt());
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed JSON in tokenizer " + file + " at line "
                    + e.getLocation().getLineNr() + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + file + ": " + e.getMessage(), e);
        }
        if (!sawModel || vocab.isEmpty()) {
            throw new IllegalArgumentException("invalid tokenizer " + file + ": no model.vocab");
        }
        return vocab;
    }

    /** eos_token of tokenizer_config.json (a string or an AddedToken object), or null when absent. */
    private static String readConfigEosToken(Path config) {
        if (!Files.isRegularFile(config)) {
            return null;
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(config.toFile());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed JSON in " + config + " at line "
                    + e.getLocation().getLineNr() + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + config + ": " + e.getMessage(), e);
        }
        JsonNode eos = root == null ? null : root.get("eos_token");
        if (eos == null || eos.isNull()) {
            return null;
        }
        if (eos.isTextual()) {
            return eos.asText();
        }
        if (eos.path("content").isTextual()) {
            return eos.get("content").asText();
        }
        throw new IllegalArgumentException(config + ": key eos_token must be a string or {\"content\": ...}");
    }
}
