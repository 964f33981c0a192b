package rsarl.model;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComputeOptionsTest {
    @Test
    void fp16ComputeStaysCloseToFp32() {
        int[] ids = {5, 17, 42, 7, 99, 3, 250};
        try (QwenModel f32 = QwenModel.load(Fixtures.dir(Fixtures.QWEN3));
             QwenModel f16 = QwenModel.load(Fixtures.dir(Fixtures.QWEN3), Device.cpu(), DataType.FLOAT16)) {
            assertEquals(DataType.FLOAT16, f16.parameters().get("model.norm.weight").getDataType());
            float[] a = QwenModelFixtureTest.logitsOf(f32, ids);
            float[] b = QwenModelFixtureTest.logitsOf(f16, ids);
            double worst = 0;
            for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
            assertTrue(worst < 0.05 && worst > 0, "fp16 vs fp32 max |diff| " + worst);
            Completion c = new Generator(f16).generate(List.of(new GenerationRequest(ids, SamplingParams.greedy(4), 0))).get(0);
            assertEquals(4, c.tokenIds().length);
        }
    }

    @Test
    void deviceAndDtypeNames() {
        assertEquals(Device.cpu(), ComputeOptions.device("cpu"));
        assertEquals(Device.gpu(1), ComputeOptions.device("cuda:1"));
        assertEquals(Device.gpu(), ComputeOptions.device("CUDA"));
        assertThrows(IllegalArgumentException.class, () -> ComputeOptions.device("tpu"));
        assertEquals(DataType.FLOAT16, ComputeOptions.computeType("fp16"));
        assertThrows(IllegalArgumentException.class, () -> ComputeOptions.computeType("bf16"));
    }
}
