package rsarl.cli;

import picocli.CommandLine.Option;
import rsarl.model.ChatMessage;
import rsarl.model.QwenTokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The prompt of {@code score}/{@code generate}: exactly one of {@code --input-ids}, {@code --prompt} (a user
 * message rendered with the Qwen chat template, optional {@code --system}) or {@code --raw} (plain text).
 * The text forms use the model folder's {@code tokenizer.json}.
 */
final class TokenIdsOption {
    @Option(names = "--input-ids", paramLabel = "IDS", description = "comma-separated token ids, e.g. 5,17,42")
    String inputIds;

    @Option(names = "--prompt", paramLabel = "TEXT",
            description = "a user message, rendered with the chat template (uses DIR/tokenizer.json)")
    String chat;

    @Option(names = "--system", paramLabel = "TEXT", description = "system message before --prompt")
    String system;

    @Option(names = "--raw", paramLabel = "TEXT", description = "plain text, tokenized as is (uses DIR/tokenizer.json)")
    String raw;

    /** Checks the option combination before anything heavy is loaded. */
    void validate() {
        long given = Arrays.asList(inputIds, chat, raw).stream().filter(x -> x != null).count();
        if (given != 1) {
            throw new IllegalArgumentException("give exactly one of --input-ids, --prompt, --raw (got " + given + ")");
        }
        if (system != null && chat == null) throw new IllegalArgumentException("--system needs --prompt");
    }

    /** True when the prompt is text and needs the tokenizer. */
    boolean isText() {
        return inputIds == null;
    }

    /** Loads {@code modelDir/tokenizer.json}; {@code why} names the option that needs it. */
    static QwenTokenizer tokenizer(Path modelDir, String why) {
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": not found (" + why + " needs the model folder's tokenizer; "
                    + "use --input-ids instead)");
        }
        return QwenTokenizer.load(file);
    }

    /** The option that needs a tokenizer, for error messages. */
    String textOption() {
        return chat != null ? "--prompt" : "--raw";
    }

    /**
     * The prompt as token ids, each checked against the model's vocabulary.
     *
     * @param tokenizer the model folder's tokenizer; only read for the text forms
     */
    int[] ids(int vocabSize, String modelDir, QwenTokenizer tokenizer) {
        String source;
        int[] ids;
        if (inputIds != null) {
            source = "--input-ids";
            try {
                ids = Arrays.stream(inputIds.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--input-ids: expected comma-separated integers, got '" + inputIds + "'");
            }
        } else {
            source = textOption();
            ids = tokenizer.encode(text(tokenizer));
        }
        if (ids.length == 0) throw new IllegalArgumentException(source + ": no tokens given");
        for (int id : ids) {
            if (id < 0 || id >= vocabSize) {
                throw new IllegalArgumentException(source + ": token id " + id + " is outside the vocabulary [0, "
                        + vocabSize + ") of " + modelDir);
            }
        }
        return ids;
    }

    /** The text to tokenize: the rendered chat for --prompt, the text itself for --raw. */
    private String text(QwenTokenizer tokenizer) {
        if (raw != null) return raw;
        List<ChatMessage> messages = new ArrayList<>();
        if (system != null) messages.add(ChatMessage.system(system));
        messages.add(ChatMessage.user(chat));
        return tokenizer.chatTemplate().render(messages, true);
    }
}
