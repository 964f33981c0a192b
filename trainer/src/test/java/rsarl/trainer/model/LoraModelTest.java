package rsarl.trainer.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import rsarl.model.CheckpointWriter;
import rsarl.model.SafetensorsFile;
import rsarl.trainer.config.LoraConfig;
import rsarl.trainer.config.LossType;
import rsarl.trainer.grpo.PolicyLoss;
import rsarl.trainer.grpo.PolicyUpdate;
import rsarl.trainer.grpo.Sample;
import rsarl.trainer.optim.AdamW;
import rsarl.trainer.optim.LrSchedule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoraModelTest {
    /** A bigram "model" whose table is called {@code lm.q_proj.weight} so that LoRA targets it. */
    static final class Table implements LoraModel.Backbone, AutoCloseable {
        static final String NAME = "lm.q_proj.weight";
        final NDManager m = NDManager.newBaseManager();
        final Map<String, NDArray> params = new LinkedHashMap<>();

        Table(int v) {
            float[] init = new float[v * v];
            for (int i = 0; i < init.length; i++) {
                init[i] = (float) Math.sin(i);
            }
            params.put(NAME, m.create(init, new Shape(v, v)));
        }

        @Override
        public Map<String, NDArray> parameters() {
            return params;
        }

        @Override
        public NDArray logits(TokenBatch b, Map<String, NDArray> overrides) {
            NDArray w = overrides.getOrDefault(NAME, params.get(NAME));
            return w.get(m.create(b.inputIds(), new Shape(b.batch(), b.sequenceLength())));
        }

        @Override
        public void save(Path dir, Map<String, NDArray> weights) throws IOException {
            Files.createDirectories(dir);
            CheckpointWriter.writeTensors(dir.resolve("model.safetensors"), weights, Map.of());
        }

        @Override
        public void close() {
            m.close();
        }
    }

    @Test
    void trainsOnlyAdaptersAndSavesMergedPlusExactAdapters(@TempDir Path dir) throws IOException {
        try (Table base = new Table(5);
                LoraModel model = new LoraModel(base, new LoraConfig(2, 4, List.of("q_proj")), 3, Device.cpu());
                AdamW opt = new AdamW(AdamW.Hyper.defaults(0), AdamW.HF_DECAY, Device.cpu())) {
            float[] before = base.params.get(Table.NAME).toFloatArray();
            List<Sample> samples = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                samples.add(new Sample(new int[] {i % 5}, new int[] {3, (i + 1) % 5}, null, false, i % 2 == 0 ? 1 : -1));
            }
            PolicyUpdate u = new PolicyUpdate(new PolicyLoss(0.2, 0.2, 0), LossType.DAPO, 1, 4, 2, 1.0, false, 1.0,
                    0);
            for (int s = 0; s < 3; s++) {
                u.run(samples, model, null, opt, LrSchedule.of("constant", 0.05, 0, 0, 10));
            }
            assertArrayEquals(before, base.params.get(Table.NAME).toFloatArray(), 0f, "base stays frozen");
            assertEquals(List.of("lm.q_proj.lora_A.weight", "lm.q_proj.lora_B.weight"),
                    List.copyOf(model.trainableParameters().keySet()));
            float[] effective = model.lora().adapters().get(Table.NAME).effectiveWeight().toFloatArray();
            assertFalse(java.util.Arrays.equals(before, effective), "adapters moved");

            Path ckpt = dir.resolve("checkpoint-3");
            model.save(ckpt.resolve("model"));
            model.saveTrainable(ckpt);
            try (NDManager tmp = NDManager.newBaseManager()) {
                float[] merged = SafetensorsFile.readAll(ckpt.resolve("model/model.safetensors"), tmp).tensors()
                        .get(Table.NAME).toFloatArray();
                assertArrayEquals(effective, merged, 1e-6f);
            }
            try (LoraModel fresh = new LoraModel(base, new LoraConfig(2, 4, List.of("q_proj")), 99, Device.cpu())) {
                fresh.restore(ckpt);
                for (String k : model.trainableParameters().keySet()) {
                    assertArrayEquals(model.trainableParameters().get(k).toFloatArray(),
                            fresh.trainableParameters().get(k).toFloatArray(), 0f, k);
                }
            }
            assertTrue(Files.isRegularFile(ckpt.resolve(LoraModel.ADAPTER_FILE)));
        }
    }
}
