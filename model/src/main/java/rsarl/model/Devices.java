package rsarl.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;

/**
 * Device names, read the same by every command: {@code cpu}, {@code cuda}, {@code cuda:N} ({@code gpu}, {@code gpu:N}
 * also accepted). {@link #usable} also checks that the loaded PyTorch engine can run there: a CPU-only libtorch
 * otherwise answers a CUDA device with a page-long native dispatcher error, deep inside the first tensor op.
 */
public final class Devices {
    public static final String NAMES = "cpu, cuda or cuda:N";

    private Devices() {
    }

    /** The device {@code name} names, checked against the engine; messages start with the name. */
    public static Device usable(String name) {
        Device d = QwenModel.device(name == null ? "cpu" : name);
        if (d.isGpu()) {
            Engine engine = Engine.getInstance();
            if (!engine.hasCapability(StandardCapabilities.CUDA)) {
                throw new IllegalArgumentException(name + ": this PyTorch engine (" + engine.getVersion()
                        + ") was loaded without CUDA support; use cpu or a CUDA build of libtorch");
            }
            if (d.getDeviceId() >= engine.getGpuCount()) {
                throw new IllegalArgumentException(name + ": only " + engine.getGpuCount() + " GPU(s) visible");
            }
        }
        return d;
    }
}
