package rsarl.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Forward with weight overrides (the LoRA seam) and in-place weight reloads (the resume seam). */
class QwenModelWeightsTest {
    private static final String Q = "model.layers.0.self_attn.q_proj.weight";

    private static float[] logits(QwenModel model, NDManager m) {
        long[] ids = {3, 9, 27, 4};
        return model.forward(m.create(ids, new Shape(1, 4)), m.create(new long[] {0, 1, 2, 3}, new Shape(1, 4)), null,
                null).toFloatArray();
    }

    @Test
    void overridesReplaceWeightsAndCarryGradients() {
        try (QwenModel model = QwenModel.load(Fixtures.dir(Fixtures.QWEN3));
             NDManager m = model.manager().newSubManager()) {
            float[] base = logits(model, m);
            NDArray same = model.parameters().get(Q).duplicate();
            assertArrayEquals(base, logits(model.withWeights(Map.of(Q, same)), m), 0f);

            NDArray moved = model.parameters().get(Q).mul(2f);
            moved.setRequiresGradient(true);
            QwenModel view = model.withWeights(Map.of(Q, moved));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = view.forward(m.create(new long[] {3, 9, 27, 4}, new Shape(1, 4)),
                        m.create(new long[] {0, 1, 2, 3}, new Shape(1, 4)), null, null);
                assertFalse(java.util.Arrays.equals(base, out.toFloatArray()));
                gc.backward(out.square().sum());
            }
            assertTrue(moved.getGradient().abs().sum().getFloat() > 0, "override receives the gradient");
            view.close(); // a view frees nothing
            assertArrayEquals(base, logits(model, m), 0f);
            assertThrows(IllegalArgumentException.class, () -> model.withWeights(Map.of("nope", same)));
        }
    }

    @Test
    void loadWeightsFromRestoresSavedWeightsExactly(@TempDir Path tmp) {
        try (QwenModel model = QwenModel.load(Fixtures.dir(Fixtures.QWEN3));
             NDManager m = model.manager().newSubManager()) {
            float[] before = logits(model, m);
            model.parameters().get(Q).muli(1.5f);
            model.save(tmp.resolve("saved"));
            float[] changed = logits(model, m);
            try (QwenModel other = QwenModel.load(Fixtures.dir(Fixtures.QWEN3));
                 NDManager m2 = other.manager().newSubManager()) {
                assertArrayEquals(before, logits(other, m2), 0f);
                other.loadWeightsFrom(tmp.resolve("saved"));
                assertArrayEquals(changed, logits(other, m2), 0f);
                assertArrayEquals(model.parameters().get(Q).toFloatArray(), other.parameters().get(Q).toFloatArray(), 0f);
            }
        }
    }
}
