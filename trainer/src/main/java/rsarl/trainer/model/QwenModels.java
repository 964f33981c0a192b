package rsarl.trainer.model;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import rsarl.model.ComputeOptions;
import rsarl.model.QwenModel;
import rsarl.model.QwenTokenizer;
import rsarl.trainer.config.LoraConfig;

import java.nio.file.Files;
import java.nio.file.Path;

/** Loading the Qwen pieces a training run needs, with errors that name the config key. */
public final class QwenModels {
    private QwenModels() {}

    public static Device device(String name) {
        try {
            return ComputeOptions.usable(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("key 'device': " + e.getMessage(), e);
        }
    }

    /** Loads {@code dir} in float32 on {@code device}; {@code key} names the config key in errors. */
    public static QwenModel load(String dir, Device device, String key) {
        return load(dir, device, key, DataType.FLOAT32);
    }

    /** Loads {@code dir} with weights in {@code dtype} (the {@code dtype} key) on {@code device}. */
    public static QwenModel load(String dir, Device device, String key, DataType dtype) {
        try {
            return QwenModel.load(Path.of(dir), device, dtype);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("key '" + key + "': cannot load model " + dir + ": " + e.getMessage(), e);
        }
    }

    public static QwenTokenizer tokenizer(String dir, String key) {
        if (!Files.isRegularFile(Path.of(dir).resolve("tokenizer.json"))) {
            throw new IllegalArgumentException("key '" + key + "': " + dir + " has no tokenizer.json");
        }
        return QwenTokenizer.load(Path.of(dir));
    }

    /** Full fine-tuning, or LoRA adapters over a frozen backbone when {@code lora.rank > 0}. */
    public static TrainableModel trainable(QwenModel model, LoraConfig lora, long seed, Device device) {
        return trainable(model, lora, seed, device, false);
    }

    /** @param gradientCheckpointing the {@code gradient_checkpointing} key */
    public static TrainableModel trainable(QwenModel model, LoraConfig lora, long seed, Device device,
            boolean gradientCheckpointing) {
        if (lora.enabled()) {
            LoraModel m = new LoraModel(new QwenPolicy(model, false, gradientCheckpointing), lora, seed, device,
                    model.sourceDir() == null ? null : model.sourceDir().toAbsolutePath().toString());
            if (lora.initFrom() != null) {
                try {
                    m.lora().initFrom(Path.of(lora.initFrom()), lora);
                } catch (java.io.IOException e) {
                    m.close();
                    throw new IllegalArgumentException(e.getMessage(), e);
                }
            }
            return m;
        }
        return new QwenPolicy(model, true, gradientCheckpointing);
    }

    /** Padding id: masked everywhere, so any valid id works; {@code <|endoftext|>} when the tokenizer has it. */
    public static int padId(QwenTokenizer tok) {
        int id = tok.tokenId(QwenTokenizer.END_OF_TEXT);
        return id >= 0 ? id : 0;
    }

    public static void closeIfNeeded(TrainableModel m) {
        if (m instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
