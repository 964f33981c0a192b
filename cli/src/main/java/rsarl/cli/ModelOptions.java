package rsarl.cli;

import ai.djl.Device;
import picocli.CommandLine.Option;
import rsarl.model.ComputeOptions;
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

    /** The --device, checked against the engine (one line for a CUDA device on the CPU build). */
    Device device() {
        try {
            return ComputeOptions.usable(device);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--device " + e.getMessage(), e);
        }
    }

    QwenModel load() {
        checkDir();
        Device d = device();
        if (isAdapter()) {
            try {
                return PeftAdapter.loadMerged(dir, null, d, ComputeOptions.computeType(dtype));
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
        return QwenModel.load(dir, d, ComputeOptions.computeType(dtype));
    }
}
