package rsarl.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import rsarl.model.BpeTokenizerBuilder;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    @Option(names = "--corpus-extra", paramLabel = "FILE", description = "Also train on this file's texts: a JSONL "
            + "line's string fields (e.g. SFT pairs' prompt and response), or a plain line itself.")
    Path corpusExtra;

    @Override
    public Integer call() throws IOException {
        BpeTokenizerBuilder builder;
        try {
            builder = new BpeTokenizerBuilder(vocabSize);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--vocab-size: " + e.getMessage(), e);
        }
        if (corpusExtra != null) {
            builder.extraCorpus(readTexts(corpusExtra));
        }
        BpeTokenizerBuilder.Result r = builder.write(out);
        spec.commandLine().getOut().printf("wrote %s/tokenizer.json and tokenizer_config.json: vocab %d "
                        + "(%d bytes, %d learned by %d merges, %d added tokens)%n",
                r.dir(), r.vocabSize(), r.byteTokens(), r.vocabSize() - r.byteTokens() - r.addedTokens(),
                r.mergeCount(), r.addedTokens());
        return 0;
    }

    /** Each line's texts: a JSON object's string fields, or the line itself. */
    static List<String> readTexts(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> texts = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            if (!line.stripLeading().startsWith("{")) {
                texts.add(line);
                continue;
            }
            JsonNode node;
            try {
                node = json.readTree(line);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("--corpus-extra " + file + " line " + lineNo + ": bad JSON: "
                        + e.getOriginalMessage(), e);
            }
            node.fields().forEachRemaining(f -> {
                if (f.getValue().isTextual()) {
                    texts.add(f.getValue().asText());
                }
            });
        }
        return texts;
    }
}
