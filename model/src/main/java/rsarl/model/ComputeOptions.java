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

    /** The device {@code name} names ({@code null}: cpu), checked against the engine; messages start with the name. */
    public static Device usable(String name) {
        String n = name == null ? "cpu" : name;
        return requireAvailable(device(n), n);
    }

    /**
     * Fails with one clear line when {@code device} is a GPU this process's libtorch cannot use: a CPU build (the
     * bundled one, unless {@code PYTORCH_LIBRARY_PATH} names a CUDA libtorch) or too few devices.
     */
    public static Device requireAvailable(Device device, String what) {
        if (!device.isGpu()) return device;
        ai.djl.engine.Engine engine = ai.djl.engine.Engine.getInstance();
        if (!engine.hasCapability(ai.djl.engine.StandardCapabilities.CUDA) || engine.getGpuCount() == 0) {
            throw new IllegalArgumentException(what + ": no CUDA device: this libtorch (" + engine.getVersion()
                    + ", see `rsa doctor`) has no CUDA support or sees no GPU; set PYTORCH_LIBRARY_PATH to a CUDA"
                    + " libtorch (with PYTORCH_FLAVOR=cu128) or use cpu");
        }
        if (device.getDeviceId() >= engine.getGpuCount()) {
            throw new IllegalArgumentException(what + ": only " + engine.getGpuCount() + " GPU(s) visible");
        }
        return device;
    }

    /**
     * Parses {@code fp32}/{@code float32} or {@code fp16}/{@code float16}. {@code bf16} is refused: the PyTorch JNI
     * of DJL 0.35.1 (and of 0.36.0, tried) aborts the process on any bfloat16 tensor (bf16 checkpoints still load,
     * converted on read). Rechecked with arrays made on the engine, never from Java buffers: both
     * {@code NDArray.toType(BFLOAT16)} (JniUtils.to) and {@code NDManager.zeros(shape, BFLOAT16)}
     * (JniUtils.createZerosNdArray) end the JVM with "terminate called without an active exception".
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
