package rsarl.trainer.optim;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

public class AdamWTest {
    /**
     * theta = [1, -2], lr 0.1, wd 0.01, betas (0.9, 0.999). Step 1, g = [.5, -1]: decay -> [.999, -1.998];
     * m = .1 g, v = .001 g^2, bias-corrected m/sqrt(v) = sign(g), step size lr/(1-.9) * (1-.9)... -> theta -= 0.1 sign(g)
     * = [.899, -1.898]. Step 2, g = [.5, 1]: decay -> [.898101, -1.896102]; m = [.095, .01]; v/(1-.999^2) = [.25, 1];
     * lr/(1-.81) * m/[.5, 1] = [.1, .0052632] -> [.798101, -1.9013652].
     */
    @Test
    void firstTwoStepsMatchHandComputedTorchAdamW() {
        try (NDManager mgr = NDManager.newBaseManager();
                AdamW opt = new AdamW(new AdamW.Hyper(0.9, 0.999, 1e-8, 0.01), AdamW.HF_DECAY, Device.cpu())) {
            NDArray theta = mgr.create(new float[] {1f, -2f});
            NDArray norm = mgr.create(new float[] {1f, -2f});
            theta.setRequiresGradient(true);
            norm.setRequiresGradient(true);
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("layer.weight", theta);
            params.put("model.norm.weight", norm); // no decay for norms (transformers' rule)

            setGrads(mgr, params, new float[][] {{.5f, -1f}, {.5f, -1f}});
            opt.update(params, 0.1);
            assertArrayEquals(new float[] {.899f, -1.898f}, theta.toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {.9f, -1.9f}, norm.toFloatArray(), 1e-6f);

            setGrads(mgr, params, new float[][] {{.5f, 1f}, {.5f, 1f}});
            opt.update(params, 0.1);
            assertArrayEquals(new float[] {.798101f, -1.9013652f}, theta.toFloatArray(), 1e-6f);
            assertEquals(2, opt.step());
        }
    }

    @Test
    void decayRuleFollowsTransformers() {
        assertTrue(AdamW.HF_DECAY.test("model.layers.0.self_attn.q_proj.weight"));
        assertTrue(AdamW.HF_DECAY.test("model.embed_tokens.weight"));
        assertFalse(AdamW.HF_DECAY.test("model.layers.0.self_attn.q_proj.bias"));
        assertFalse(AdamW.HF_DECAY.test("model.layers.0.input_layernorm.weight"));
        assertFalse(AdamW.HF_DECAY.test("model.layers.0.self_attn.q_norm.weight"));
        assertFalse(AdamW.HF_DECAY.test("model.norm.weight"));
    }

    @Test
    void savedAndRestoredStateContinuesBitIdentically(@TempDir Path dir) throws IOException {
        float[][][] grads = randomGrads(5);
        float[] uninterrupted;
        try (NDManager mgr = NDManager.newBaseManager();
                AdamW opt = new AdamW(AdamW.Hyper.defaults(0.1), AdamW.HF_DECAY, Device.cpu())) {
            Map<String, NDArray> params = params(mgr);
            for (int s = 0; s < 5; s++) {
                setGrads(mgr, params, grads[s]);
                opt.update(params, 1e-2);
            }
            uninterrupted = flat(params);
        }
        Path file = dir.resolve("optimizer.safetensors");
        float[] halfway;
        try (NDManager mgr = NDManager.newBaseManager();
                AdamW opt = new AdamW(AdamW.Hyper.defaults(0.1), AdamW.HF_DECAY, Device.cpu())) {
            Map<String, NDArray> params = params(mgr);
            for (int s = 0; s < 2; s++) {
                setGrads(mgr, params, grads[s]);
                opt.update(params, 1e-2);
            }
            opt.save(file);
            halfway = flat(params);
        }
        try (NDManager mgr = NDManager.newBaseManager();
                AdamW opt = new AdamW(AdamW.Hyper.defaults(0.1), AdamW.HF_DECAY, Device.cpu())) {
            Map<String, NDArray> params = params(mgr);
            params.get("a.weight").set(java.util.Arrays.copyOfRange(halfway, 0, 6));
            params.get("b.bias").set(java.util.Arrays.copyOfRange(halfway, 6, 9));
            opt.load(file);
            opt.checkCompatible(params, file);
            assertEquals(2, opt.step());
            for (int s = 2; s < 5; s++) {
                setGrads(mgr, params, grads[s]);
                int before = mgr.getManagedArrays().size();
                opt.update(params, 1e-2);
                assertEquals(before, mgr.getManagedArrays().size(), "update must not leave arrays behind");
            }
            assertArrayEquals(uninterrupted, flat(params), 0f); // bit-identical
        }
    }

    @Test
    void corruptOrMismatchedStateNamesTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("optimizer.safetensors");
        try (NDManager mgr = NDManager.newBaseManager();
                AdamW opt = new AdamW(AdamW.Hyper.defaults(0), AdamW.HF_DECAY, Device.cpu())) {
            Map<String, NDArray> params = params(mgr);
            setGrads(mgr, params, randomGrads(1)[0]);
            opt.update(params, 1e-3);
            opt.save(file);

            Map<String, NDArray> other = new LinkedHashMap<>();
            other.put("a.weight", mgr.zeros(new ai.djl.ndarray.types.Shape(3, 2)));
            other.put("b.bias", mgr.zeros(new ai.djl.ndarray.types.Shape(3)));
            opt.load(file);
            IOException shape = assertThrows(IOException.class, () -> opt.checkCompatible(other, file));
            assertTrue(shape.getMessage().contains("a.weight") && shape.getMessage().contains(file.toString()));

            byte[] bytes = Files.readAllBytes(file);
            Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 10));
            IOException cut = assertThrows(IOException.class, () -> opt.load(file));
            assertTrue(cut.getMessage().startsWith(file.toString()), cut.getMessage());
            assertEquals(1, opt.step(), "a failed load keeps the old state");

            Files.write(file, new byte[] {1, 2, 3});
            assertThrows(IOException.class, () -> opt.load(file));
            IOException missing = assertThrows(IOException.class, () -> opt.load(dir.resolve("nope")));
            assertTrue(missing.getMessage().contains("nope"));
        }
    }

    public static Map<String, NDArray> params(NDManager mgr) {
        Map<String, NDArray> p = new LinkedHashMap<>();
        p.put("a.weight", mgr.create(new float[] {.1f, -.2f, .3f, .4f, -.5f, .6f}, new ai.djl.ndarray.types.Shape(2, 3)));
        p.put("b.bias", mgr.create(new float[] {1f, 0f, -1f}));
        p.values().forEach(a -> a.setRequiresGradient(true));
        return p;
    }

    public static float[][][] randomGrads(int steps) {
        Random r = new Random(3);
        float[][][] g = new float[steps][2][];
        for (int s = 0; s < steps; s++) {
            g[s][0] = new float[6];
            g[s][1] = new float[3];
            for (float[] row : g[s]) {
                for (int i = 0; i < row.length; i++) {
                    row[i] = (float) r.nextGaussian();
                }
            }
        }
        return g;
    }

    /** Makes each parameter's gradient equal to the given values: d/dp sum(p * c) = c. */
    public static void setGrads(NDManager mgr, Map<String, NDArray> params, float[][] values) {
        List<NDArray> ps = List.copyOf(params.values());
        Gradients.zero(ps);
        try (NDScope scope = new NDScope();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = null;
            for (int i = 0; i < ps.size(); i++) {
                NDArray term = ps.get(i).mul(mgr.create(values[i], ps.get(i).getShape())).sum();
                loss = loss == null ? term : loss.add(term);
            }
            gc.backward(loss);
        }
    }

    static float[] flat(Map<String, NDArray> params) {
        int n = params.values().stream().mapToInt(a -> (int) a.size()).sum();
        float[] out = new float[n];
        int at = 0;
        for (NDArray a : params.values()) {
            float[] x = a.toFloatArray();
            System.arraycopy(x, 0, out, at, x.length);
            at += x.length;
        }
        return out;
    }
}
