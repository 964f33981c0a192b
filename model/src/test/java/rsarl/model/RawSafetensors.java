package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test helper: reads fixture tensors as floats and writes safetensors files by hand (F32 or BF16). */
final class RawSafetensors {
    record Tensor(long[] shape, float[] data) {
    }

    private RawSafetensors() {
    }

    static Map<String, Tensor> read(Path file) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file); NDManager m = NDManager.newBaseManager()) {
            for (SafetensorsFile.Entry e : f.entries().values()) {
                NDArray a = f.load(e.name(), m, DataType.FLOAT32);
                out.put(e.name(), new Tensor(e.shape(), a.toFloatArray()));
            }
        }
        return out;
    }

    /** Round to nearest even bf16, returned as the widened float. */
    static float toBf16(float f) {
        return Float.intBitsToFloat(bf16Bits(f) << 16);
    }

    static int bf16Bits(float f) {
        int bits = Float.floatToRawIntBits(f);
        return ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16) & 0xFFFF;
    }

    static void write(Path file, Map<String, Tensor> tensors, String dtype) throws IOException {
        int size = dtype.equals("F32") ? 4 : 2;
        ObjectNode header = QwenConfig.JSON.createObjectNode();
        long off = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dtype);
            var sh = t.putArray("shape");
            for (long d : e.getValue().shape()) sh.add(d);
            long n = (long) e.getValue().data().length * size;
            t.putArray("data_offsets").add(off).add(off + n);
            off += n;
        }
        byte[] json = QwenConfig.JSON.writeValueAsBytes(header);
        ByteBuffer buf = ByteBuffer.allocate((int) (8 + json.length + off)).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(json.length).put(json);
        for (Tensor t : tensors.values()) {
            for (float f : t.data()) {
                if (size == 4) buf.putFloat(f);
                else buf.putShort((short) bf16Bits(f));
            }
        }
        Files.write(file, buf.array());
    }
}
