package rsarl.rollout;

import rsarl.model.BpeTokenizerBuilder;
import rsarl.model.QwenModel;
import rsarl.model.QwenTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A random "tiny" Qwen3 with the project's own BPE tokenizer, written into a test's temp dir. */
public final class TinyModel {
    private TinyModel() {
    }

    /** Writes weights (seeded) and a 320-id tokenizer into {@code dir}; returns {@code dir}. */
    public static Path create(Path dir, long seed) {
        // Weights first: the checkpoint writer replaces the whole folder, the tokenizer is then added to it.
        Path tokDir = dir.resolveSibling(dir.getFileName() + "-tok");
        BpeTokenizerBuilder.Result tok = new BpeTokenizerBuilder(320).write(tokDir);
        List<Integer> eos;
        try (QwenTokenizer t = QwenTokenizer.load(tokDir)) {
            eos = t.eosIds();
        }
        QwenModel.initRandom("tiny", tok.vocabSize(), eos, seed, dir);
        try {
            for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
                Files.copy(tokDir.resolve(f), dir.resolve(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }
}
