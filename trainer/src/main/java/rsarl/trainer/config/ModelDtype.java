package rsarl.trainer.config;

import ai.djl.ndarray.types.DataType;
import rsarl.model.ComputeOptions;

/**
 * The {@code dtype} key of {@code rsa train} / {@code rsa sft}: the dtype the model's weights are held in. Half
 * precision is for a LoRA-frozen base only (adapters, their gradients and AdamW moments stay fp32); full
 * fine-tuning keeps fp32 master weights.
 */
public final class ModelDtype {
    private ModelDtype() {}

    static void check(ConfigChecks c, String dtype, boolean lora) {
        c.required(dtype, "dtype");
        if (dtype == null) {
            return;
        }
        try {
            DataType t = ComputeOptions.computeType(dtype);
            c.check(t == DataType.FLOAT32 || lora, "dtype", dtype + " needs lora.rank > 0: full fine-tuning keeps"
                    + " fp32 master weights (use dtype: fp32)");
        } catch (IllegalArgumentException e) {
            c.check(false, "dtype", e.getMessage());
        }
    }

    public static DataType of(String dtype) {
        return ComputeOptions.computeType(dtype == null ? "fp32" : dtype);
    }
}
