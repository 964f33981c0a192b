package rsarl.trainer.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TokenBatchTest {
    private static final List<int[]> PROMPTS = List.of(new int[] {5, 6}, new int[] {7});
    private static final List<int[]> COMPLETIONS = List.of(new int[] {1, 2, 3}, new int[] {4});

    @Test
    void leftPadsPromptsAndRightPadsCompletions() {
        TokenBatch tb = TokenBatch.build(PROMPTS, COMPLETIONS, 0, new boolean[] {true, false}, false);
        assertEquals(2, tb.promptLength());
        assertEquals(3, tb.completionLength());
        assertArrayEquals(new long[] {5, 6, 1, 2, 3, 0, 7, 4, 0, 0}, tb.inputIds());
        assertArrayEquals(new long[] {1, 1, 1, 1, 1, 0, 1, 1, 0, 0}, tb.attentionMask());
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 0, 0, 1, 2, 2}, tb.positionIds());
        assertArrayEquals(new float[] {1, 1, 1, 1, 0, 0}, tb.completionMask());
        assertEquals(4, tb.maskedTokens());

        TokenBatch masked = TokenBatch.build(PROMPTS, COMPLETIONS, 0, new boolean[] {true, false}, true);
        assertArrayEquals(new float[] {0, 0, 0, 1, 0, 0}, masked.completionMask());
        assertEquals(1, masked.maskedTokens());
        assertThrows(IllegalArgumentException.class, () -> TokenBatch.build(PROMPTS, List.of(new int[] {1}), 0,
                null, false));
    }

    @Test
    void gathersShiftedLogprobsAndEntropy() {
        TokenBatch tb = TokenBatch.build(PROMPTS, COMPLETIONS, 0, null, false);
        int v = 6;
        Random r = new Random(1);
        float[] raw = new float[2 * 5 * v];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (float) r.nextGaussian() * 2;
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.create(raw, new Shape(2, 5, v));
            NDArray ids = tb.inputIds(m);
            for (double temp : new double[] {1.0, 0.7}) {
                float[] got = tb.completionLogprobs(logits, ids, temp).toFloatArray();
                for (int i = 0; i < 2; i++) {
                    for (int t = 0; t < 3; t++) {
                        int col = 1 + t; // P - 1 + t
                        int target = (int) tb.inputIds()[i * 5 + 2 + t];
                        assertEquals(logSoftmax(raw, (i * 5 + col) * v, v, temp)[target], got[i * 3 + t], 1e-5,
                                "row " + i + " token " + t + " T=" + temp);
                    }
                }
            }
            float[] h = TokenBatch.entropy(tb.completionLogits(logits, 1.0)).toFloatArray();
            double[] lp = logSoftmax(raw, (5 + 1) * v, v, 1.0); // row 1, completion token 0
            double expected = 0;
            for (double x : lp) {
                expected -= Math.exp(x) * x;
            }
            assertEquals(expected, h[3], 1e-5);

            NDArray mask = tb.completionMask(m);
            NDArray a = m.create(new float[] {1, 2, 3, 4, 100, 100}, new Shape(2, 3));
            NDArray b = m.create(new float[] {1, 1, 1, 1, 0, 0}, new Shape(2, 3));
            assertEquals((0 + 1 + 2 + 3) / 4.0, TokenBatch.maskedMeanAbsDiff(a, b, mask), 1e-9);
            assertEquals(10 / 4.0, TokenBatch.maskedMean(a, mask), 1e-9);
            NDArray sampler = tb.perToken(m, List.of(new float[] {-1, -2, -3}, new float[] {-4}));
            assertArrayEquals(new float[] {-1, -2, -3, -4, 0, 0}, sampler.toFloatArray());
        }
    }

    private static double[] logSoftmax(float[] x, int off, int v, double temp) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) {
            max = Math.max(max, x[off + i] / temp);
        }
        double sum = 0;
        for (int i = 0; i < v; i++) {
            sum += Math.exp(x[off + i] / temp - max);
        }
        double[] out = new double[v];
        for (int i = 0; i < v; i++) {
            out[i] = x[off + i] / temp - max - Math.log(sum);
        }
        return out;
    }

    /**
     * The temperature divisor is read again by the backward: it must still be there after a GC, when freed direct
     * buffers are reused (DJL's {@code div(float)} closed its scalar right away, and gradients came out as garbage now
     * and then).
     */
    @Test
    void temperatureScalarSurvivesAGcBetweenForwardAndBackward() throws InterruptedException {
        TokenBatch tb = TokenBatch.build(PROMPTS, COMPLETIONS, 0, null, false);
        float temperature = 0.7f;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.randomNormal(new Shape(2, tb.sequenceLength(), 4));
            logits.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = tb.completionLogits(logits, temperature).sum();
                List<ByteBuffer> fill = churnNativeMemory();
                gc.backward(out);
                Reference.reachabilityFence(fill); // the refilled blocks stay taken until the backward has read
            }
            float[] g = logits.getGradient().toFloatArray();
            int p = tb.promptLength();
            for (int b = 0; b < 2; b++) {
                for (int t = 0; t < tb.sequenceLength(); t++) {
                    boolean predicts = t >= p - 1 && t < tb.sequenceLength() - 1;
                    for (int v = 0; v < 4; v++) {
                        assertEquals(predicts ? 1 / temperature : 0f, g[(b * tb.sequenceLength() + t) * 4 + v], 1e-6,
                                "d sum(logits / T) / d logits at row " + b + ", column " + t);
                    }
                }
            }
        }
    }

    /** Frees whatever direct buffers are unreachable and refills small native blocks with a huge value. */
    static List<ByteBuffer> churnNativeMemory() throws InterruptedException {
        for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(20);
        }
        List<ByteBuffer> fill = new ArrayList<>();
        for (int i = 0; i < 4096; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(4 + (i % 4) * 4).order(ByteOrder.nativeOrder());
            while (b.remaining() >= 4) {
                b.putFloat(1e30f);
            }
            fill.add(b);
        }
        return fill;
    }
}
