package rsarl.cli;

import picocli.CommandLine.Option;

import java.util.Arrays;

/**
 * The prompt of {@code score}/{@code generate}. Today only {@code --input-ids}; the tokenizer's text forms
 * ({@code --prompt} rendered with the chat template, {@code --raw} text) belong here too, resolved in {@link #ids}.
 */
final class TokenIdsOption {
    @Option(names = "--input-ids", required = true, paramLabel = "IDS", description = "comma-separated token ids, e.g. 5,17,42")
    String inputIds;

    /** The prompt as token ids, each checked against the model's vocabulary. */
    int[] ids(int vocabSize, String modelDir) {
        int[] ids;
        try {
            ids = Arrays.stream(inputIds.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--input-ids: expected comma-separated integers, got '" + inputIds + "'");
        }
        if (ids.length == 0) throw new IllegalArgumentException("--input-ids: no token ids given");
        for (int id : ids) {
            if (id < 0 || id >= vocabSize) {
                throw new IllegalArgumentException("--input-ids: token id " + id + " is outside the vocabulary [0, "
                        + vocabSize + ") of " + modelDir);
            }
        }
        return ids;
    }
}
