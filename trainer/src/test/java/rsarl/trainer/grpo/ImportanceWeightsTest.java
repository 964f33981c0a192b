package rsarl.trainer.grpo;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import rsarl.trainer.BigramPolicy;
import rsarl.trainer.config.LossType;
import rsarl.trainer.config.RolloutConfig.ImportanceCorrection;
import rsarl.trainer.loop.Rng;
import rsarl.trainer.optim.AdamW;
import rsarl.trainer.optim.LrSchedule;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TRL's five importance-correction modes on hand-computed ratios, and their effect inside an update. */
class ImportanceWeightsTest {
    private static final float E = (float) Math.E;

    private static float[] weights(ImportanceCorrection mode, double[] stats) {
        try (NDManager m = NDManager.newBaseManager()) {
            // logp - sampler: row 0 = [0.1, 2.0, -0.5], row 1 = [0.5, 0.2, (masked) 5.0]
            NDArray logp = m.create(new float[] {0.1f, 2.0f, -0.5f, 0.5f, 0.2f, 5.0f}, new Shape(2, 3));
            NDArray sampler = m.zeros(new Shape(2, 3));
            NDArray mask = m.create(new float[] {1, 1, 1, 1, 1, 0}, new Shape(2, 3));
            ImportanceWeights.Result r = ImportanceWeights.compute(logp, sampler, mask, mode, 3.0);
            stats[0] = r.stats().ratioMean();
            stats[1] = r.stats().overCapFraction();
            return r.weights() == null ? null : r.weights().toFloatArray();
        }
    }

    private static float exp(double x) {
        return (float) Math.exp(x);
    }

    @Test
    void tokenAndSequenceModesCapOrMaskAboveC() {
        double[] s = new double[2];
        assertNull(weights(ImportanceCorrection.NONE, s));
        assertEquals((exp(0.1) + exp(2) + exp(-0.5) + exp(0.5) + exp(0.2)) / 5, s[0], 1e-5);
        assertEquals(0.2, s[1], 1e-9, "one token of five (e^2) is above C = 3");
        assertArrayEquals(new float[] {exp(0.1), 3, exp(-0.5), exp(0.5), exp(0.2), 1},
                weights(ImportanceCorrection.TOKEN_TRUNCATE, s), 1e-5f);
        assertArrayEquals(new float[] {exp(0.1), 0, exp(-0.5), exp(0.5), exp(0.2), 1},
                weights(ImportanceCorrection.TOKEN_MASK, s), 1e-5f);
        // Sequence ratios: exp(1.6) > 3 and exp(0.7) < 3 (the masked token does not count).
        assertArrayEquals(new float[] {3, 3, 3, exp(0.7), exp(0.7), exp(0.7)},
                weights(ImportanceCorrection.SEQUENCE_TRUNCATE, s), 1e-5f);
        assertArrayEquals(new float[] {0, 0, 0, exp(0.7), exp(0.7), exp(0.7)},
                weights(ImportanceCorrection.SEQUENCE_MASK, s), 1e-5f);
        assertEquals((3 * exp(1.6) + 2 * exp(0.7)) / 5, s[0], 1e-4);
        assertEquals(0.6, s[1], 1e-9, "the three tokens of sequence 0");
        assertTrue(E > 2);
    }

    @Test
    void maskedSequencesContributeNoGradient() {
        double[] loss = new double[2];
        int k = 0;
        for (ImportanceCorrection mode : new ImportanceCorrection[] {ImportanceCorrection.NONE,
                ImportanceCorrection.SEQUENCE_MASK}) {
            try (BigramPolicy p = new BigramPolicy(5);
                    AdamW opt = new AdamW(AdamW.Hyper.defaults(0.1), AdamW.HF_DECAY, Device.cpu())) {
                Rng rng = new Rng(4);
                List<Sample> samples = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    Object[] s = p.sample(i % 5, 3, 1.0, rng);
                    float[] lp = ((float[]) s[1]).clone();
                    for (int t = 0; t < lp.length; t++) lp[t] -= 2; // the sampler was far less likely: ratio e^6
                    samples.add(new Sample(new int[] {i % 5}, (int[]) s[0], lp, false, i % 2 - 0.5));
                }
                PolicyUpdate u = new PolicyUpdate(new PolicyLoss(0.2, 0.2, 0), LossType.DAPO, 1, 3, 3, 1.0, false,
                        0, 0).withImportanceCorrection(mode, 3.0);
                PolicyUpdate.Result r = u.run(samples, p, null, opt, LrSchedule.of("constant", 0.1, 0, 0, 10));
                loss[k++] = r.gradNorm();
                assertEquals(Math.exp(mode.sequenceLevel() ? 6 : 2), r.importanceRatioMean(), 1e-2);
                assertEquals(1.0, r.importanceMaskedFraction(), 1e-9);
            }
        }
        assertTrue(loss[0] > 1e-3, "without correction the step has a gradient: " + loss[0]);
        assertEquals(0, loss[1], 1e-9, "every sequence is above C and masked out");
    }
}
