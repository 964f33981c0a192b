package rsarl.rollout.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Whole-file rewrites that a kill never leaves half-written: write a temp file beside, then move it over. The
 * file's folder is created when missing.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    public static void write(Path file, byte[] bytes) {
        file = file.toAbsolutePath();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write: " + reason(e), e);
        }
    }

    /**
     * What went wrong, without the path of the temporary file it went wrong on (messages name the file the user
     * asked for, never a {@code .tmp} sibling): a file-system error's reason, else its message.
     */
    public static String reason(IOException e) {
        if (e instanceof java.nio.file.FileSystemException f) {
            String r = f.getReason();
            return r != null ? r : e.getClass().getSimpleName().replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2")
                    .toLowerCase(java.util.Locale.ROOT);
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    public static void write(Path file, String text) {
        write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code lines}, each ended by a newline (JSONL); no lines give an empty file. */
    public static void writeLines(Path file, List<String> lines) {
        StringBuilder sb = new StringBuilder();
        for (String line : lines) {
            sb.append(line).append('\n');
        }
        write(file, sb.toString());
    }
}
