package rsarl.trainer.sft;

import com.fasterxml.jackson.databind.JsonNode;

import rsarl.rewards.JsonlReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One SFT pair: the user prompt (chat-templated later) and the assistant response the loss is taken on. */
public record SftExample(String prompt, String response) {
    /** Reads {@code {"prompt": ..., "response": ...}} lines (blank lines skipped); errors name file and line. */
    public static List<SftExample> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": file not found");
        }
        List<SftExample> out = new ArrayList<>();
        try {
            JsonlReader.forEachLine(file, (n, node) ->
                    out.add(new SftExample(text(node, "prompt", file, n), text(node, "response", file, n))));
        } catch (JsonlReader.MalformedLineException e) {
            throw new IOException(e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": no examples");
        }
        return out;
    }

    private static String text(JsonNode node, String key, Path file, int line) throws IOException {
        JsonNode v = node.get(key);
        if (v == null || !v.isTextual()) {
            throw new IOException(file + ":" + line + ": missing string field '" + key + "'");
        }
        return v.asText();
    }
}
