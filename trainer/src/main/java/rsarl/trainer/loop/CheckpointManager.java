package rsarl.trainer.loop;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import rsarl.trainer.optim.AdamW;
import rsarl.trainer.optim.SchedulerState;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code output_dir/checkpoint-<step>/} folders, each complete or absent.
 *
 * <p>A checkpoint is written into a hidden {@code .tmp-checkpoint-<step>-<nanos>} folder, every file is fsynced,
 * {@code trainer_state.json} is written last, and the folder is renamed with {@code ATOMIC_MOVE}; a crash at any
 * point leaves either the previous checkpoints or the new one, never a half-written {@code checkpoint-<step>}.
 * Leftover temp folders are ignored by {@link #latest()} and removed by the next {@link #save}.
 *
 * <p>Layout: {@code trainer_state.json}, {@code optimizer.safetensors}, {@code scheduler.json}, {@code model/}
 * (HF layout, written by the model's own {@code save(Path)} through {@link Writer}).
 */
public final class CheckpointManager {
    public static final String STATE_FILE = "trainer_state.json";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    public static final String SCHEDULER_FILE = "scheduler.json";
    public static final String MODEL_DIR = "model";
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");
    private static final String TMP_PREFIX = ".tmp-checkpoint-";
    static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path outputDir;
    private final int saveTotalLimit;

    /** Writes the tensor parts of a checkpoint into the (temporary) checkpoint folder. */
    @FunctionalInterface
    public interface Writer {
        void write(Path checkpointDir) throws IOException;
    }

    /** A complete checkpoint on disk. */
    public record Checkpoint(Path dir, long step, TrainerState state) {
        public Path optimizerFile() {
            return dir.resolve(OPTIMIZER_FILE);
        }

        public Path schedulerFile() {
            return dir.resolve(SCHEDULER_FILE);
        }

        public Path modelDir() {
            return dir.resolve(MODEL_DIR);
        }

        /** The scheduler state; a missing or corrupt file is an error naming it. */
        public SchedulerState scheduler() throws IOException {
            return readJson(schedulerFile(), SchedulerState.class);
        }
    }

    /** @param saveTotalLimit keep at most this many checkpoints (oldest deleted first); {@code <= 0} keeps all */
    public CheckpointManager(Path outputDir, int saveTotalLimit) {
        this.outputDir = outputDir;
        this.saveTotalLimit = saveTotalLimit;
    }

    public Path outputDir() {
        return outputDir;
    }

    /**
     * Saves the standard checkpoint: {@code model} writes {@code model/}, then optimizer and scheduler state, then
     * {@code trainer_state.json}.
     */
    public Path save(TrainerState state, AdamW optimizer, SchedulerState scheduler, Writer model) throws IOException {
        return save(state, dir -> {
            model.write(dir.resolve(MODEL_DIR));
            optimizer.save(dir.resolve(OPTIMIZER_FILE));
            writeJson(dir.resolve(SCHEDULER_FILE), scheduler);
        });
    }

    /** Saves {@code checkpoint-<state.globalStep()>} atomically and prunes old ones; returns its folder. */
    public Path save(TrainerState state, Writer writer) throws IOException {
        Files.createDirectories(outputDir);
        removeStaleTemps();
        Path tmp = outputDir.resolve(TMP_PREFIX + state.globalStep() + "-" + System.nanoTime());
        Files.createDirectory(tmp);
        writer.write(tmp);
        writeJson(tmp.resolve(STATE_FILE), state);
        fsyncTree(tmp);
        Path target = outputDir.resolve("checkpoint-" + state.globalStep());
        Path trash = null;
        if (Files.exists(target)) { // re-saving a step (e.g. after a resume): swap, then drop the old copy
            trash = outputDir.resolve(TMP_PREFIX + "old-" + state.globalStep() + "-" + System.nanoTime());
            move(target, trash);
        }
        move(tmp, target);
        fsync(outputDir);
        if (trash != null) {
            deleteTree(trash);
        }
        prune();
        return target;
    }

    /** The newest complete checkpoint, if any (temp folders and other names are ignored). */
    public Optional<Checkpoint> latest() throws IOException {
        List<Path> all = checkpoints();
        if (all.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(open(all.get(all.size() - 1)));
    }

    /** Opens a checkpoint folder, checking that every part is present; errors name the missing or bad file. */
    public static Checkpoint open(Path dir) throws IOException {
        Matcher m = NAME.matcher(dir.getFileName().toString());
        if (!m.matches()) {
            throw new IOException(dir + ": not a checkpoint folder (expected checkpoint-<step>)");
        }
        TrainerState state = readJson(dir.resolve(STATE_FILE), TrainerState.class);
        long step = Long.parseLong(m.group(1));
        if (state.globalStep() != step) {
            throw new IOException(dir.resolve(STATE_FILE) + ": global_step " + state.globalStep()
                    + " does not match the folder name " + dir.getFileName());
        }
        for (String part : List.of(OPTIMIZER_FILE, SCHEDULER_FILE)) {
            if (!Files.isRegularFile(dir.resolve(part))) {
                throw new IOException(dir.resolve(part) + ": missing from the checkpoint");
            }
        }
        if (!Files.isDirectory(dir.resolve(MODEL_DIR))) {
            throw new IOException(dir.resolve(MODEL_DIR) + ": model folder missing from the checkpoint");
        }
        return new Checkpoint(dir, step, state);
    }

    /**
     * Refuses to start a fresh run in a folder that already holds checkpoints: its saves would interleave with the
     * old ones and a later {@code resume: auto} would pick up the wrong run.
     */
    public void requireNoCheckpoints() throws IOException {
        List<Path> old = checkpoints();
        if (!old.isEmpty()) {
            throw new IllegalArgumentException("output_dir " + outputDir + " already holds "
                    + old.get(old.size() - 1).getFileName() + "; set resume: auto to continue it, or use another"
                    + " output_dir");
        }
    }

    /** Complete checkpoint folders, oldest first (by step number, not by name). */
    public List<Path> checkpoints() throws IOException {
        if (!Files.isDirectory(outputDir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(outputDir)) {
            return s.filter(p -> Files.isDirectory(p) && NAME.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingLong(CheckpointManager::stepOf))
                    .toList();
        }
    }

    private void prune() throws IOException {
        if (saveTotalLimit <= 0) {
            return;
        }
        List<Path> all = checkpoints();
        for (int i = 0; i < all.size() - saveTotalLimit; i++) { // the newest is never among these
            deleteTree(all.get(i));
        }
    }

    private void removeStaleTemps() throws IOException {
        List<Path> stale = new ArrayList<>();
        try (Stream<Path> s = Files.list(outputDir)) {
            s.filter(p -> p.getFileName().toString().startsWith(TMP_PREFIX)).forEach(stale::add);
        }
        for (Path p : stale) {
            deleteTree(p);
        }
    }

    private static long stepOf(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    static <T> T readJson(Path file, Class<T> type) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": missing from the checkpoint");
        }
        try {
            T value = JSON.readValue(file.toFile(), type);
            if (value == null) {
                throw new IOException(file + ": empty");
            }
            return value;
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": corrupt (" + e.getOriginalMessage() + ")", e);
        }
    }

    static void writeJson(Path file, Object value) throws IOException {
        Files.write(file, JSON.writeValueAsBytes(value));
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + from + " to " + to + " atomically", e);
        }
    }

    private static void fsyncTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                fsync(p);
            }
        }
    }

    private static void fsync(Path p) {
        // Directories can be fsynced on Linux through a read channel; where the OS refuses, the rename still
        // gives atomicity, only durability across power loss is weaker.
        try (FileChannel ch = FileChannel.open(p, Files.isDirectory(p)
                ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // best effort
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
