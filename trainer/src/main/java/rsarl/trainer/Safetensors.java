package rsarl.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Minimal streaming safetensors reader/writer for trainer state (optimizer moments). Tensors are written one at a
 * time (no whole-file heap copy) and read through a memory map, so the bytes round-trip exactly.
 * Supports F32, F64, F16, I64, I32, U8/BOOL; bf16 never reaches DJL here.
 */
public final class Safetensors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Safetensors() {}

    /** A file's tensors and its {@code __metadata__} string map. */
    public record Contents(Map<String, NDArray> tensors, Map<String, String> metadata) {}

    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray a = e.getValue();
            long bytes = a.getShape().size() * a.getDataType().getNumOfBytes();
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", code(a.getDataType(), e.getKey()));
            ArrayNode shape = t.putArray("shape");
            for (long d : a.getShape().getShape()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] h = JSON.writeValueAsBytes(header);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(h);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, head);
            for (NDArray a : tensors.values()) {
                writeFully(ch, a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
            }
            ch.force(true);
        }
    }

    /** Reads every tensor into {@code manager}; errors name the file and the offending entry. */
    public static Contents read(Path file, NDManager manager) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new IOException(file + ": not a safetensors file (only " + size + " bytes)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || 8 + headerLen > size || headerLen > 100_000_000) {
                throw new IOException(file + ": corrupt safetensors header length " + headerLen);
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            JsonNode header;
            try {
                header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8).trim());
            } catch (IOException e) {
                throw new IOException(file + ": corrupt safetensors header: " + e.getMessage(), e);
            }
            long dataStart = 8 + headerLen;
            Map<String, String> meta = new LinkedHashMap<>();
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    e.getValue().fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                JsonNode t = e.getValue();
                DataType type = type(t.path("dtype").asText(), file, e.getKey());
                long[] shape = new long[t.path("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = t.path("shape").get(i).asLong();
                }
                long begin = t.path("data_offsets").path(0).asLong(-1);
                long end = t.path("data_offsets").path(1).asLong(-1);
                long expected = new Shape(shape).size() * type.getNumOfBytes();
                if (begin < 0 || end - begin != expected || dataStart + end > size) {
                    throw new IOException(file + ": tensor '" + e.getKey() + "' has bad data_offsets [" + begin
                            + ", " + end + "] (file truncated or corrupt)");
                }
                MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + begin, end - begin);
                map.order(ByteOrder.LITTLE_ENDIAN);
                // On CPU DJL wraps a direct buffer without copying: clone so the array owns writable memory
                // and never depends on the (read-only, possibly later deleted) mapping.
                NDArray view = manager.create(map, new Shape(shape), type);
                NDArray a = view.duplicate();
                view.close();
                a.setName(e.getKey());
                out.put(e.getKey(), a);
            }
            return new Contents(out, meta);
        }
    }

    private static String code(DataType t, String name) {
        return switch (t) {
            case FLOAT32 -> "F32";
            case FLOAT64 -> "F64";
            case FLOAT16 -> "F16";
            case INT64 -> "I64";
            case INT32 -> "I32";
            case UINT8 -> "U8";
            case BOOLEAN -> "BOOL";
            default -> throw new IllegalArgumentException("tensor '" + name + "': unsupported dtype " + t);
        };
    }

    private static DataType type(String code, Path file, String name) throws IOException {
        return switch (code) {
            case "F32" -> DataType.FLOAT32;
            case "F64" -> DataType.FLOAT64;
            case "F16" -> DataType.FLOAT16;
            case "I64" -> DataType.INT64;
            case "I32" -> DataType.INT32;
            case "U8" -> DataType.UINT8;
            case "BOOL" -> DataType.BOOLEAN;
            default -> throw new IOException(file + ": tensor '" + name + "' has unsupported dtype '" + code + "'");
        };
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos + b.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }
}
