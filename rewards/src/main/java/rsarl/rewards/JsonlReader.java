package rsarl.rewards;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Streams a JSONL file: each non-blank line is parsed as JSON and handed, with its 1-based line number, to a
 * callback. A line that is not valid JSON ends the read with a {@link MalformedLineException} naming file and line.
 * The readers of problems ({@link ProblemReader}), candidate pools and SFT pairs share it.
 */
public final class JsonlReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonlReader() {
    }

    /** Receives one parsed line; may throw {@code E}, which ends the read. */
    @FunctionalInterface
    public interface LineHandler<E extends Exception> {
        void accept(int lineNo, JsonNode node) throws E;
    }

    /** A line that is not valid JSON: {@code file:line: malformed JSON: <parser message>}. */
    public static final class MalformedLineException extends IllegalArgumentException {
        private final Path file;
        private final int lineNo;

        MalformedLineException(Path file, int lineNo, JsonProcessingException cause) {
            super(file + ":" + lineNo + ": malformed JSON: " + plain(cause.getOriginalMessage()), cause);
            this.file = file;
            this.lineNo = lineNo;
        }

        /** The parser's message without its character codes and source locations. */
        static String plain(String message) {
            String m = message == null ? "invalid JSON" : message;
            int nl = m.indexOf('\n');
            m = nl < 0 ? m : m.substring(0, nl);
            return m.replaceAll(" \\(code -?\\d+\\)", "").replaceAll("\\s*\\(for [^)]*\\[Source:.*$", "").strip();
        }

        public Path file() {
            return file;
        }

        public int lineNo() {
            return lineNo;
        }
    }

    /**
     * Hands each non-blank line of {@code file} (UTF-8), parsed, to {@code handler} in file order.
     *
     * @throws IOException when the file cannot be read ({@link java.nio.file.NoSuchFileException} when missing)
     * @throws MalformedLineException at the first line that is not valid JSON
     * @throws E whatever the handler throws
     */
    public static <E extends Exception> void forEachLine(Path file, LineHandler<E> handler) throws IOException, E {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new MalformedLineException(file, lineNo, e);
                }
                handler.accept(lineNo, node);
            }
        }
    }
}
