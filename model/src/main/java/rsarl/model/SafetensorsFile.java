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
 * Java heap. BF16 is widened to float32 in Java because DJL aborts on bf16 arrays.
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

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, Entry> entries) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
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
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("__metadata__")) continue;
                entries.put(f.getKey(), parseEntry(path, f.getKey(), f.getValue(), dataLen));
            }
            return new SafetensorsFile(path, ch, 8 + headerLen, entries);
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
        return switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> -1;
        };
    }

    public Path path() {
        return path;
    }

    public Map<String, Entry> entries() {
        return Collections.unmodifiableMap(entries);
    }

    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) throw bad(path, "missing tensor " + name);
        return e;
    }

    /** Copies one tensor into a new array of {@code target} type (float32 or float16) owned by {@code manager}. */
    public NDArray load(String name, NDManager manager, DataType target) {
        Entry e = entry(name);
        int esize = elementSize(e.dtype());
        if (esize < 0) throw bad(path, "tensor " + name + ": unsupported dtype " + e.dtype() + " (F32, F16, BF16)");
        long rows = e.shape().length == 0 ? 1 : e.shape()[0];
        long numel = e.numel();
        if (numel == 0) return manager.zeros(e.djlShape(), target);
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
            stored = e.dtype().equals("F32") ? DataType.FLOAT32 : DataType.FLOAT16;
        }
        // create() wraps the buffer without copying; the copy below gives the array memory of its own.
        try (NDManager scratch = manager.newSubManager()) {
            NDArray view = scratch.create(data, shape, stored);
            NDArray owned = stored == target ? view.duplicate() : view.toType(target, true);
            owned.attach(manager);
            return owned;
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
