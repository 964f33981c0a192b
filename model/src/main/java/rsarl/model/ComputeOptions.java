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

    /** Parses {@code fp32}/{@code float32} or {@code fp16}/{@code float16}. */
    public static DataType computeType(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "fp32", "float32", "f32" -> DataType.FLOAT32;
            case "fp16", "float16", "f16", "half" -> DataType.FLOAT16;
            default -> throw new IllegalArgumentException("unsupported compute dtype '" + name + "' (fp32, fp16)");
        };
    }
}
