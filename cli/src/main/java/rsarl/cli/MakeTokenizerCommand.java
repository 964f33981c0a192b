package rsarl.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import rsarl.model.BpeTokenizerBuilder;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code rsa make-tokenizer}: trains the project's own byte-level BPE tokenizer and writes it to a directory. */
@Command(name = "make-tokenizer", mixinStandardHelpOptions = true,
        description = "Train the project's small byte-level BPE tokenizer (Qwen chat special tokens) "
                + "and write tokenizer.json + tokenizer_config.json.")
final class MakeTokenizerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, description = "Output directory (created if absent).")
    Path out;

    @Option(names = "--vocab-size", defaultValue = "" + BpeTokenizerBuilder.DEFAULT_VOCAB_SIZE,
            description = "Total vocabulary: 256 bytes + merges + 5 added tokens (default: ${DEFAULT-VALUE}).")
    int vocabSize;

    @Override
    public Integer call() {
        BpeTokenizerBuilder builder;
        try {
            builder = new BpeTokenizerBuilder(vocabSize);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--vocab-size: " + e.getMessage(), e);
        }
        BpeTokenizerBuilder.Result r = builder.write(out);
        spec.commandLine().getOut().printf("wrote %s/tokenizer.json and tokenizer_config.json: vocab %d "
                        + "(%d bytes, %d learned by %d merges, %d added tokens)%n",
                r.dir(), r.vocabSize(), r.byteTokens(), r.vocabSize() - r.byteTokens() - r.addedTokens(),
                r.mergeCount(), r.addedTokens());
        return 0;
    }
}
