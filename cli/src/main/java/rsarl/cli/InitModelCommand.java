package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import rsarl.model.ModelPresets;
import rsarl.model.QwenModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Writes a randomly initialised Qwen3 checkpoint whose vocabulary fits a tokenizer. */
@Command(name = "init-model", mixinStandardHelpOptions = true,
        description = "Create a random Qwen3 checkpoint (presets: tiny, mini, small, 20m, medium, qwen3-0.6b, qwen3-4b).")
final class InitModelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--preset", required = true, description = "one of ${COMPLETION-CANDIDATES}",
            completionCandidates = Presets.class)
    String preset;

    @Option(names = "--tokenizer", required = true, paramLabel = "FILE",
            description = "tokenizer.json: sets vocab_size and eos ids; copied into DIR with tokenizer_config.json")
    Path tokenizer;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output checkpoint directory")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "weight init seed, default ${DEFAULT-VALUE}")
    long seed;

    static final class Presets extends ArrayList<String> {
        Presets() {
            super(ModelPresets.NAMES);
        }
    }

    /** Vocabulary size (max id + 1) and eos ids read from a tokenizer.json. */
    record TokenizerVocab(int size, List<Integer> eosIds) {
        static TokenizerVocab read(Path file) {
            JsonNode root;
            try {
                root = new ObjectMapper().readTree(file.toFile());
            } catch (IOException e) {
                throw new IllegalArgumentException(file + ": cannot read tokenizer JSON: " + e.getMessage(), e);
            }
            Map<String, Integer> ids = new LinkedHashMap<>();
            JsonNode vocab = root.path("model").path("vocab");
            if (!vocab.isObject()) throw new IllegalArgumentException(file + ": missing key model.vocab");
            for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isIntegralNumber()) {
                    throw new IllegalArgumentException(file + ": model.vocab[" + e.getKey() + "] is not an integer id");
                }
                ids.put(e.getKey(), e.getValue().intValue());
            }
            for (JsonNode t : root.path("added_tokens")) {
                if (!t.path("id").isIntegralNumber() || !t.path("content").isTextual()) {
                    throw new IllegalArgumentException(file + ": added_tokens entry without id/content: " + t);
                }
                ids.put(t.get("content").asText(), t.get("id").intValue());
            }
            int max = ids.values().stream().mapToInt(Integer::intValue).max()
                    .orElseThrow(() -> new IllegalArgumentException(file + ": empty vocabulary"));
            List<Integer> eos = new ArrayList<>();
            for (String s : new String[] {"<|im_end|>", "<|endoftext|>"}) {
                if (ids.containsKey(s)) eos.add(ids.get(s));
            }
            return new TokenizerVocab(max + 1, eos);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(tokenizer)) throw new IllegalArgumentException(tokenizer + ": no such tokenizer file");
        TokenizerVocab v = TokenizerVocab.read(tokenizer);
        QwenModel.initRandom(preset, v.size(), v.eosIds(), seed, out);
        Files.copy(tokenizer, out.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        Path cfg = tokenizer.resolveSibling("tokenizer_config.json");
        if (Files.isRegularFile(cfg)) Files.copy(cfg, out.resolve("tokenizer_config.json"), StandardCopyOption.REPLACE_EXISTING);
        var o = spec.commandLine().getOut();
        o.println("wrote " + preset + " model (vocab " + v.size() + ", eos " + v.eosIds() + ") to " + out);
        o.flush();
        return 0;
    }
}
