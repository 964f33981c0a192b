package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Writes a checkpoint in the Hugging Face layout (float32 safetensors + config.json), first into a temporary
 * directory beside the target, then moved into place, so a crash never leaves a half-written checkpoint.
 * Tensors are produced one at a time, so a model larger than memory can be written (random init of big presets).
 */
public final class CheckpointWriter {
    public static final long DEFAULT_MAX_SHARD_BYTES = 2L << 30;
    /** Bytes of one tensor copied to the heap at a time while writing (tests lower it). */
    static long chunkBytes = 64L << 20;
    static final List<String> SIDE_FILES = List.of("tokenizer.json", "tokenizer_config.json", "generation_config.json");

    /** Produces the tensor named {@code name}; arrays made in {@code scratch} are freed after writing. */
    @FunctionalInterface
    public interface TensorSource {
        NDArray get(String name, NDManager scratch);
    }

    private CheckpointWriter() {
    }

    /**
     * @param shapes      tensor names (in file order) and shapes
     * @param copyFrom    directory whose tokenizer/generation files are copied, or null
     */
    public static void write(Path outDir, Map<String, Shape> shapes, TensorSource source, NDManager manager,
                             ObjectNode config, Path copyFrom, long maxShardBytes) {
        Path abs = outDir.toAbsolutePath();
        Path parent = abs.getParent();
        Path tmp = parent.resolve("." + abs.getFileName() + ".tmp-" + System.nanoTime());
        try {
            Files.createDirectories(tmp);
            List<Map<String, Shape>> shards = split(shapes, maxShardBytes);
            if (shards.size() == 1) {
                writeFile(tmp.resolve(Checkpoint.SINGLE), shards.get(0), source, manager);
            } else {
                ObjectNode index = QwenConfig.JSON.createObjectNode();
                long total = shapes.values().stream().mapToLong(s -> s.size() * 4).sum();
                index.putObject("metadata").put("total_size", total);
                ObjectNode map = index.putObject("weight_map");
                for (int i = 0; i < shards.size(); i++) {
                    String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                    writeFile(tmp.resolve(name), shards.get(i), source, manager);
                    for (String t : shards.get(i).keySet()) map.put(t, name);
                }
                QwenConfig.JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve(Checkpoint.INDEX).toFile(), index);
            }
            QwenConfig.JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve("config.json").toFile(), config);
            if (copyFrom != null && !copyFrom.toAbsolutePath().equals(abs)) {
                for (String f : SIDE_FILES) {
                    Path src = copyFrom.resolve(f);
                    if (Files.isRegularFile(src)) Files.copy(src, tmp.resolve(f));
                }
                // a saved model samples as trained, not greedily as transformers does without this file
                if (!Files.isRegularFile(tmp.resolve(GenerationConfig.FILE))) {
                    QwenConfig.JSON.writerWithDefaultPrettyPrinter().writeValue(
                            tmp.resolve(GenerationConfig.FILE).toFile(), GenerationConfig.defaultsFor(config));
                }
            }
            moveIntoPlace(tmp, abs);
        } catch (IOException e) {
            deleteTree(tmp);
            throw new UncheckedIOException(outDir + ": cannot write checkpoint: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
    }

    private static List<Map<String, Shape>> split(Map<String, Shape> shapes, long maxShardBytes) {
        List<Map<String, Shape>> shards = new ArrayList<>();
        Map<String, Shape> cur = new LinkedHashMap<>();
        long bytes = 0;
        for (Map.Entry<String, Shape> e : shapes.entrySet()) {
            long b = e.getValue().size() * 4;
            if (!cur.isEmpty() && bytes + b > maxShardBytes) {
                shards.add(cur);
                cur = new LinkedHashMap<>();
                bytes = 0;
            }
            cur.put(e.getKey(), e.getValue());
            bytes += b;
        }
        shards.add(cur);
        return shards;
    }

    /**
     * One safetensors file of arrays kept in their own dtypes (trainer state: optimizer moments, LoRA adapters)
     * with a {@code __metadata__} string map; replaces {@code file} if it exists.
     */
    public static void writeTensors(Path file, Map<String, NDArray> tensors, Map<String, String> metadata)
            throws IOException {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        Map<String, DataType> types = new LinkedHashMap<>();
        tensors.forEach((k, a) -> {
            shapes.put(k, a.getShape());
            types.put(k, a.getDataType());
        });
        // Scratch memory on the arrays' own device (chunk copies of a big tensor stay there).
        try (NDManager scratch = tensors.isEmpty() ? NDManager.newBaseManager()
                : tensors.values().iterator().next().getManager().newSubManager()) {
            writeFile(file, shapes, types::get, metadata, (name, m) -> tensors.get(name), scratch);
        }
    }

    /** One float32 safetensors file; the header is space-padded so the data starts 8-byte aligned. */
    static void writeFile(Path file, Map<String, Shape> shapes, TensorSource source, NDManager manager) throws IOException {
        writeFile(file, shapes, name -> DataType.FLOAT32, Map.of("format", "pt"), source, manager);
    }

    /** {@code types} gives each tensor's stored dtype (arrays of another type are converted while writing). */
    private static void writeFile(Path file, Map<String, Shape> shapes, Function<String, DataType> types,
                                  Map<String, String> metadata, TensorSource source, NDManager manager)
            throws IOException {
        ObjectNode header = QwenConfig.JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long off = 0;
        for (Map.Entry<String, Shape> e : shapes.entrySet()) {
            DataType type = types.apply(e.getKey());
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", SafetensorsFile.dtypeCode(type, e.getKey()));
            var sh = t.putArray("shape");
            for (long d : e.getValue().getShape()) sh.add(d);
            long n = e.getValue().size() * type.getNumOfBytes();
            t.putArray("data_offsets").add(off).add(off + n);
            off += n;
        }
        byte[] json = QwenConfig.JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeAll(ch, head);
            for (Map.Entry<String, Shape> e : shapes.entrySet()) {
                try (NDManager scratch = manager.newSubManager()) {
                    NDArray a = source.get(e.getKey(), scratch);
                    if (!a.getShape().equals(e.getValue())) {
                        throw new IllegalStateException("tensor " + e.getKey() + " has shape " + a.getShape()
                                + ", expected " + e.getValue());
                    }
                    writeTensor(ch, a, types.apply(e.getKey()), scratch);
                }
            }
            ch.force(true);
        }
    }

    /**
     * DJL copies an array to the Java heap to read it, so a big tensor is written in row chunks: the heap never
     * holds more than {@link #chunkBytes} of it.
     */
    private static void writeTensor(FileChannel ch, NDArray a, DataType type, NDManager scratch) throws IOException {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("safetensors writing needs a little-endian machine");
        }
        Shape shape = a.getShape();
        long rows = shape.dimension() == 0 ? 1 : shape.get(0);
        long rowBytes = rows == 0 ? 0 : shape.size() * type.getNumOfBytes() / rows;
        if (shape.dimension() < 2 || rows * rowBytes <= chunkBytes) {
            try (NDManager m = scratch.newSubManager()) {
                NDArray f = a.getDataType() == type ? a : a.toType(type, false);
                if (f != a) f.attach(m);
                writeAll(ch, f.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
            }
            return;
        }
        long step = Math.max(1, chunkBytes / rowBytes);
        for (long r0 = 0; r0 < rows; r0 += step) {
            try (NDManager m = scratch.newSubManager()) {
                NDArray part = a.get(m, new ai.djl.ndarray.index.NDIndex("{}:{}", r0, Math.min(rows, r0 + step)));
                NDArray f = part.toType(type, true);
                f.attach(m);
                writeAll(ch, f.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
            }
        }
    }

    private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** A fresh target is one atomic rename; an existing one gets each file replaced atomically, stale shards removed. */
    private static void moveIntoPlace(Path tmp, Path out) throws IOException {
        if (!Files.exists(out)) {
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        if (!Files.isDirectory(out)) throw new IOException(out + " exists and is not a directory");
        Set<String> written;
        try (Stream<Path> s = Files.list(tmp)) {
            written = s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        }
        for (String f : written) {
            Files.move(tmp.resolve(f), out.resolve(f), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        try (Stream<Path> s = Files.list(out)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                boolean weights = n.endsWith(".safetensors") || n.equals(Checkpoint.INDEX);
                if (weights && !written.contains(n)) Files.delete(p);
            }
        }
        Files.delete(tmp);
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        } catch (IOException ignored) {
            // best effort cleanup of our own temp dir
        }
    }
}
