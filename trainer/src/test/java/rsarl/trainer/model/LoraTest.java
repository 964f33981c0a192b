package rsarl.trainer.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.trainer.config.LoraConfig;
import rsarl.trainer.loop.Rng;
import rsarl.trainer.optim.Gradients;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoraTest {
    private static float[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    @Test
    void startsAtTheBaseWeightAndMergedEqualsUnmerged() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(gaussian(5 * 7, 1), new Shape(5, 7));
            NDArray x = m.create(gaussian(3 * 7, 2), new Shape(3, 7));
            LoraAdapter lora = new LoraAdapter("l.q_proj.weight", w, 2, 16, new Rng(5), m);
            assertEquals(8f, lora.scale());
            float bound = (float) (1 / Math.sqrt(7));
            for (float v : lora.a().toFloatArray()) {
                assertTrue(Math.abs(v) <= bound);
            }
            assertArrayEquals(x.matMul(w.transpose()).toFloatArray(), lora.forward(x).toFloatArray(), 1e-6f,
                    "B = 0: LoRA starts exactly at W");

            lora.b().set(gaussian(5 * 2, 3)); // as after some training
            NDArray merged = lora.merged(m);
            float[] unmerged = lora.forward(x).toFloatArray();
            assertArrayEquals(unmerged, x.matMul(merged.transpose()).toFloatArray(), 1e-4f);
            assertArrayEquals(unmerged, x.matMul(lora.effectiveWeight().transpose()).toFloatArray(), 1e-4f);
            assertFalse(java.util.Arrays.equals(x.matMul(w.transpose()).toFloatArray(), unmerged));
            // merged = W + 8 * B A, element [0][0] by hand
            float[] a = lora.a().toFloatArray();
            float[] b = lora.b().toFloatArray();
            float expected = w.toFloatArray()[0] + 8 * (b[0] * a[0] + b[1] * a[7]);
            assertEquals(expected, merged.toFloatArray()[0], 1e-5f);
        }
    }

    @Test
    void gradientsReachAdaptersNotTheFrozenWeight() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(gaussian(4 * 3, 1), new Shape(4, 3));
            LoraAdapter lora = new LoraAdapter("q_proj.weight", w, 2, 2, new Rng(1), m);
            lora.b().set(gaussian(8, 9));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(lora.forward(m.create(gaussian(6, 4), new Shape(2, 3))).sum());
            }
            assertFalse(w.hasGradient());
            assertTrue(Gradients.globalNorm(List.of(lora.a(), lora.b())) > 0);
        }
    }

    @Test
    void targetsModulesByNameSavesAndRestoresExactly(@TempDir Path dir) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> base = new LinkedHashMap<>();
            base.put("model.layers.0.self_attn.q_proj.weight", m.create(gaussian(12, 1), new Shape(4, 3)));
            base.put("model.layers.0.self_attn.q_proj.bias", m.create(gaussian(4, 2)));
            base.put("model.layers.0.mlp.up_proj.weight", m.create(gaussian(12, 3), new Shape(4, 3)));
            base.put("model.norm.weight", m.create(gaussian(3, 4)));
            LoraConfig cfg = new LoraConfig(2, 4, List.of("q_proj", "norm"));
            Path file = dir.resolve("adapter.safetensors");
            float[] savedB;
            try (LoraSet set = new LoraSet(base, cfg, 7, Device.cpu())) {
                assertEquals(List.of("model.layers.0.self_attn.q_proj.weight"), set.adaptedWeights());
                assertEquals(List.of("model.layers.0.self_attn.q_proj.lora_A.weight",
                        "model.layers.0.self_attn.q_proj.lora_B.weight"),
                        List.copyOf(set.trainableParameters().keySet()));
                set.trainableParameters().get("model.layers.0.self_attn.q_proj.lora_B.weight").set(gaussian(8, 5));
                savedB = set.trainableParameters().get("model.layers.0.self_attn.q_proj.lora_B.weight").toFloatArray();
                set.save(file);
                Map<String, NDArray> merged = set.merged(base, m);
                assertEquals(base.keySet(), merged.keySet());
                assertTrue(merged.get("model.norm.weight") == base.get("model.norm.weight"));
            }
            try (LoraSet other = new LoraSet(base, cfg, 99, Device.cpu())) {
                other.load(file);
                assertArrayEquals(savedB,
                        other.trainableParameters().get("model.layers.0.self_attn.q_proj.lora_B.weight").toFloatArray(),
                        0f);
            }
            try (LoraSet wider = new LoraSet(base, new LoraConfig(2, 4, List.of("q_proj", "up_proj")), 1,
                    Device.cpu())) {
                IOException e = assertThrows(IOException.class, () -> wider.load(file));
                assertTrue(e.getMessage().startsWith(file.toString()));
            }
            assertThrows(IllegalArgumentException.class,
                    () -> new LoraSet(base, new LoraConfig(2, 4, List.of("v_proj")), 1, Device.cpu()));
        }
        assertEquals("q_proj", LoraSet.moduleOf("a.b.q_proj.weight"));
        assertNull(LoraSet.moduleOf("a.b.q_proj.bias"));
    }

    @Test
    void initFromAPeftAdapterFolderStartsFromItsAAndB(@TempDir Path dir) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> base = new LinkedHashMap<>();
            base.put("model.layers.0.self_attn.q_proj.weight", m.create(gaussian(12, 1), new Shape(4, 3)));
            base.put("model.layers.0.mlp.up_proj.weight", m.create(gaussian(12, 3), new Shape(4, 3)));
            LoraConfig cfg = new LoraConfig(2, 4, List.of("q_proj"));
            Path adapter = dir.resolve("adapter");
            Map<String, float[]> saved = new LinkedHashMap<>();
            try (LoraSet set = new LoraSet(base, cfg, 7, Device.cpu())) {
                set.trainableParameters().get("model.layers.0.self_attn.q_proj.lora_B.weight").set(gaussian(8, 5));
                set.trainableParameters().forEach((k, v) -> saved.put(k, v.toFloatArray()));
                new rsarl.model.peft.PeftAdapter(2, 4, false, List.of("q_proj"), "base", set.trainableParameters())
                        .write(adapter);
            }
            try (LoraSet other = new LoraSet(base, cfg, 99, Device.cpu())) {
                other.initFrom(adapter, cfg);
                other.trainableParameters().forEach((k, v) -> assertArrayEquals(saved.get(k), v.toFloatArray(), 0f));
            }
            try (LoraSet wider = new LoraSet(base, new LoraConfig(2, 4, List.of("q_proj", "up_proj")), 1,
                    Device.cpu())) {
                IOException e = assertThrows(IOException.class, () -> wider.initFrom(adapter, cfg));
                assertTrue(e.getMessage().startsWith("key 'lora.init_from': " + adapter), e.getMessage());
            }
            LoraConfig rank4 = new LoraConfig(4, 8, List.of("q_proj"));
            try (LoraSet other = new LoraSet(base, rank4, 1, Device.cpu())) {
                IOException e = assertThrows(IOException.class, () -> other.initFrom(adapter, rank4));
                assertTrue(e.getMessage().contains("has r = 2"), e.getMessage());
            }
        }
    }
}
