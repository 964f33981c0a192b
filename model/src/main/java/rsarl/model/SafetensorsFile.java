package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One safetensors file, read through memory maps: the JSON header is parsed once, and each tensor is copied
 * chunk by chunk from the mapped file straight into native memory, so loading never holds a checkpoint on the
 * Java heap. BF16 is widened to float32 in Java because DJL aborts on bf16 arrays. Also reads trainer state
 * (F64/I64/I32/U8/BOOL tensors and the {@code __metadata__} string map) in its stored dtype.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Bytes copied per chunk: bounds the native scratch memory of one load step (tests lower it). */
    static long chunkBytes = 128L << 20;
    private static final long MAX_HEADER = 100L << 20;

    /** Header entry: data lies at [begin, end) relative to the end of the header. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {
        public long numel() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }

        public Shape djlShape() {
            return new Shape(shape);
        }
    }

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, Entry> entries,
                            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** A whole file: its tensors (stored dtypes, file order) and its {@code __metadata__} map. */
    public record Contents(Map<String, NDArray> tensors, Map<String, String> metadata) {}

    /**
     * Reads every tensor of {@code path} into {@code manager} (trainer state); a missing, truncated or corrupt file
     * is an {@link IOException} whose message starts with the file.
     */
    public static Contents readAll(Path path, NDManager manager) throws IOException {
        try (SafetensorsFile f = open(path)) {
            return new Contents(f.loadAll(manager), f.metadata());
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    public static SafetensorsFile open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot open safetensors file: " + e.getMessage(), e);
        }
        try {
            long size = ch.size();
            if (size < 8) throw bad(path, "truncated file (" + size + " bytes, no header length)");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER) throw bad(path, "implausible header length " + headerLen);
            if (8 + headerLen > size) {
                throw bad(path, "header length " + headerLen + " runs past the end of the file (" + size + " bytes)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            String headerText = new String(hb.array(), StandardCharsets.UTF_8);
            JsonNode header;
            try {
                header = QwenConfig.JSON.readTree(headerText);
            } catch (IOException e) {
                throw bad(path, "malformed JSON header: " + e.getMessage());
            }
            if (header == null || !header.isObject()) throw bad(path, "header is not a JSON object");
            long dataLen = size - 8 - headerLen;
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("__metadata__")) {
                    f.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                entries.put(f.getKey(), parseEntry(path, f.getKey(), f.getValue(), dataLen));
            }
            return new SafetensorsFile(path, ch, 8 + headerLen, entries, Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UncheckedIOException(path + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static Entry parseEntry(Path path, String name, JsonNode n, long dataLen) {
        String where = "tensor " + name;
        if (!n.isObject()) throw bad(path, where + ": entry is not an object");
        JsonNode dt = n.get("dtype");
        JsonNode sh = n.get("shape");
        JsonNode off = n.get("data_offsets");
        if (dt == null || !dt.isTextual()) throw bad(path, where + ": missing or bad dtype");
        if (sh == null || !sh.isArray()) throw bad(path, where + ": missing or bad shape");
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).canConvertToLong()
                || !off.get(1).canConvertToLong()) {
            throw bad(path, where + ": missing or bad data_offsets");
        }
        long[] shape = new long[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!sh.get(i).isIntegralNumber() || sh.get(i).longValue() < 0) throw bad(path, where + ": bad shape " + sh);
            shape[i] = sh.get(i).longValue();
        }
        long begin = off.get(0).longValue();
        long end = off.get(1).longValue();
        Entry e = new Entry(name, dt.asText(), shape, begin, end);
        if (begin < 0 || end < begin || end > dataLen) {
            throw bad(path, where + ": data_offsets [" + begin + ", " + end + "] outside the data section ("
                    + dataLen + " bytes; file truncated?)");
        }
        int size = elementSize(e.dtype());
        if (size > 0 && end - begin != e.numel() * size) {
            throw bad(path, where + ": data_offsets span " + (end - begin) + " bytes but dtype " + e.dtype()
                    + " and shape " + sh + " need " + e.numel() * size);
        }
        return e;
    }

    /** Bytes per element, or -1 for dtypes this reader cannot load. */
    static int elementSize(String dtype) {
        return dtype.equals("BF16") ? 2 : storedType(dtype) == null ? -1 : storedType(dtype).getNumOfBytes();
    }

    /** The DJL type of a safetensors dtype code (null for BF16, which is widened, and unknown codes). */
    private static DataType storedType(String dtype) {
        return switch (dtype) {
            case "F32" -> DataType.FLOAT32;
            case "F64" -> DataType.FLOAT64;
            case "F16" -> DataType.FLOAT16;
            case "I64" -> DataType.INT64;
            case "I32" -> DataType.INT32;
            case "U8" -> DataType.UINT8;
            case "BOOL" -> DataType.BOOLEAN;
            default -> null;
        };
    }

    /** The safetensors dtype code of a DJL type; errors name the tensor. */
    static String dtypeCode(DataType type, String name) {
        return switch (type) {
            case FLOAT32 -> "F32";
            case FLOAT64 -> "F64";
            case FLOAT16 -> "F16";
            case INT64 -> "I64";
            case INT32 -> "I32";
            case UINT8 -> "U8";
            case BOOLEAN -> "BOOL";
            default -> throw new IllegalArgumentException("tensor " + name + ": unsupported dtype " + type);
        };
    }

    public Path path() {
        return path;
    }

    public Map<String, Entry> entries() {
        return Collections.unmodifiableMap(entries);
    }

    /** The header's {@code __metadata__} string map (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every tensor in its stored dtype (BF16 widened to float32), in file order, named after its entry. */
    public Map<String, NDArray> loadAll(NDManager manager) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (String name : entries.keySet()) {
            NDArray a = load(name, manager, null);
            a.setName(name);
            out.put(name, a);
        }
        return out;
    }

    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) throw bad(path, "missing tensor " + name);
        return e;
    }

    /**
     * Copies one tensor into a new array owned by {@code manager}, converted to {@code target} (float32 or
     * float16), or in its stored dtype when {@code target} is null.
     */
    public NDArray load(String name, NDManager manager, DataType target) {
        Entry e = entry(name);
        int esize = elementSize(e.dtype());
        boolean floating = e.dtype().equals("F32") || e.dtype().equals("F16") || e.dtype().equals("BF16");
        if (target != null && !floating) {
            throw bad(path, "tensor " + name + ": unsupported dtype " + e.dtype() + " (F32, F16, BF16)");
        }
        if (esize < 0) {
            throw bad(path, "tensor " + name + ": unsupported dtype " + e.dtype()
                    + " (F32, F16, BF16, F64, I64, I32, U8, BOOL)");
        }
        long rows = e.shape().length == 0 ? 1 : e.shape()[0];
        long numel = e.numel();
        if (numel == 0) {
            DataType t = target != null ? target : e.dtype().equals("BF16") ? DataType.FLOAT32 : storedType(e.dtype());
            return manager.zeros(e.djlShape(), t);
        }
        long rowElems = numel / rows;
        long rowsPerChunk = Math.max(1, chunkBytes / (rowElems * esize));
        NDList pieces = new NDList();
        try {
            for (long r0 = 0; r0 < rows; r0 += rowsPerChunk) {
                long r1 = Math.min(rows, r0 + rowsPerChunk);
                long[] shape = e.shape().clone();
                if (shape.length > 0) shape[0] = r1 - r0;
                long offset = dataStart + e.begin() + r0 * rowElems * esize;
                long bytes = (r1 - r0) * rowElems * esize;
                pieces.add(loadChunk(e, offset, bytes, new Shape(shape), manager, target));
            }
            if (pieces.size() == 1) {
                return pieces.get(0);
            }
            NDArray all = NDArrays.concat(pieces, 0);
            pieces.close();
            return all;
        } catch (IOException ex) {
            pieces.close();
            throw new UncheckedIOException(path + ": tensor " + name + ": read failed: " + ex.getMessage(), ex);
        } catch (RuntimeException ex) {
            pieces.close();
            throw ex;
        }
    }

    private NDArray loadChunk(Entry e, long offset, long bytes, Shape shape, NDManager manager, DataType target)
            throws IOException {
        MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, offset, bytes);
        mapped.order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer data;
        DataType stored;
        if (e.dtype().equals("BF16")) {
            // bf16 is the top half of a float32: widen exactly.
            data = ByteBuffer.allocateDirect((int) (bytes * 2)).order(ByteOrder.nativeOrder());
            ShortBuffer src = mapped.asShortBuffer();
            FloatBuffer dst = data.asFloatBuffer();
            int n = src.remaining();
            for (int i = 0; i < n; i++) {
                dst.put(i, Float.intBitsToFloat((src.get(i) & 0xFFFF) << 16));
            }
            stored = DataType.FLOAT32;
        } else {
            if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
                throw new UnsupportedOperationException("safetensors loading needs a little-endian machine");
            }
            data = mapped;
            stored = storedType(e.dtype());
        }
        // create() wraps the buffer without copying; the copy below gives the array memory of its own.
        try (NDManager scratch = manager.newSubManager()) {
            NDArray view = scratch.create(data, shape, stored);
            NDArray owned = target == null || stored == target ? view.duplicate() : view.toType(target, true);
            owned.attach(manager);
            return owned;
        } finally {
            // The view reads the buffer's memory without owning it: the buffer must stay reachable until the copy is
            // done, or a GC in between may unmap (or free) it under torch's feet (the JIT may drop a local after its
            // last use).
            Reference.reachabilityFence(data);
            Reference.reachabilityFence(mapped);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) throw new IOException("unexpected end of file");
        }
    }

    static IllegalArgumentException bad(Path path, String msg) {
        return new IllegalArgumentException(path + ": " + msg);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // already failing
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
