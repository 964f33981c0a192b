package rsarl.trainer;

import rsarl.model.BpeTokenizerBuilder;
import rsarl.model.QwenModel;
import rsarl.model.QwenTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A random "tiny" Qwen3 with the project's BPE tokenizer beside it, for trainer tests. */
public final class TinyQwen {
    private TinyQwen() {}

    public static Path create(Path dir, long seed) throws IOException {
        Path tokDir = dir.resolveSibling(dir.getFileName() + "-tok");
        BpeTokenizerBuilder.Result tok = new BpeTokenizerBuilder(300).write(tokDir);
        List<Integer> eos;
        try (QwenTokenizer t = QwenTokenizer.load(tokDir)) {
            eos = t.eosIds();
        }
        QwenModel.initRandom("tiny", tok.vocabSize(), eos, seed, dir);
        for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(tokDir.resolve(f), dir.resolve(f));
        }
        return dir;
    }
}
