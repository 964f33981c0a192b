package rsarl.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import picocli.CommandLine.Option;
import rsarl.model.QwenModel;
import rsarl.model.peft.PeftAdapter;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where a checkpoint is and how to run it: shared by the commands that load a model. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "HF-layout checkpoint directory")
    Path dir;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu (default), cuda or cuda:N")
    String device;

    @Option(names = "--dtype", defaultValue = "fp32", description = "compute dtype: fp32 (default) or fp16")
    String dtype;

    /** Without this, a CPU-only libtorch answers --device cuda with a page-long native dispatcher error. */
    private void checkGpu(Device d) {
        Engine engine = Engine.getInstance();
        if (!engine.hasCapability(StandardCapabilities.CUDA)) {
            throw new IllegalArgumentException("--device " + device + ": this PyTorch engine (" + engine.getVersion()
                    + ") was loaded without CUDA support; use --device cpu or a CUDA build of libtorch");
        }
        if (d.getDeviceId() >= engine.getGpuCount()) {
            throw new IllegalArgumentException("--device " + device + ": only " + engine.getGpuCount() + " GPU(s) visible");
        }
    }

    /** A PEFT adapter folder (no config.json of its own): loaded as its base with the adapter merged. */
    boolean isAdapter() {
        return PeftAdapter.isAdapter(dir) && !Files.isRegularFile(dir.resolve("config.json"));
    }

    /** Fails fast, naming the folder, when it is not there (before a tokenizer or weights are read). */
    void checkDir() {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": no such model directory (expected config.json and *.safetensors)");
        }
        if (!isAdapter() && !Files.isRegularFile(dir.resolve("config.json"))) {
            throw new IllegalArgumentException(dir.resolve("config.json") + ": not found");
        }
    }

    QwenModel load() {
        checkDir();
        Device d = QwenModel.device(device);
        if (d.isGpu()) checkGpu(d);
        if (isAdapter()) {
            try {
                return PeftAdapter.loadMerged(dir, null, d, QwenModel.computeType(dtype));
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
        return QwenModel.load(dir, d, QwenModel.computeType(dtype));
    }
}
