package rsarl.model;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

import java.util.Locale;

/** Parses the user-facing device and dtype names ({@code --device}, {@code --dtype}, config keys). */
public final class ComputeOptions {
    private ComputeOptions() {
    }

    /** Parses {@code cpu}, {@code cuda} or {@code cuda:N} (also {@code gpu}, {@code gpu:N}). */
    public static Device device(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("cpu")) return Device.cpu();
        for (String prefix : new String[] {"cuda", "gpu"}) {
            if (n.equals(prefix)) return Device.gpu();
            if (n.startsWith(prefix + ":")) {
                try {
                    return Device.gpu(Integer.parseInt(n.substring(prefix.length() + 1)));
                } catch (NumberFormatException e) {
                    break;
                }
            }
        }
        throw new IllegalArgumentException("unknown device '" + name + "' (cpu, cuda, cuda:N)");
    }

    /**
     * Parses {@code fp32}/{@code float32} or {@code fp16}/{@code float16}. {@code bf16} is refused: the PyTorch JNI
     * of DJL 0.35.1 (and of 0.36.0, tried) aborts the process on any bfloat16 tensor (bf16 checkpoints still load,
     * converted on read).
     */
    public static DataType computeType(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "fp32", "float32", "f32" -> DataType.FLOAT32;
            case "fp16", "float16", "f16", "half" -> DataType.FLOAT16;
            case "bf16", "bfloat16" -> throw new IllegalArgumentException("dtype " + name + " is not available: DJL's"
                    + " PyTorch JNI (0.35.1 and 0.36.0) aborts on bfloat16 tensors; use fp16 (for CUDA) or fp32");
            default -> throw new IllegalArgumentException("unsupported dtype '" + name + "' (fp32, fp16)");
        };
    }
}
