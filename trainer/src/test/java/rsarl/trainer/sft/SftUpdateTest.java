package rsarl.trainer.sft;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.trainer.BigramPolicy;
import rsarl.trainer.optim.AdamW;
import rsarl.trainer.optim.LrSchedule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SftUpdateTest {
    /** logp [[-1, -2], [-3, -4]], mask [[1, 1], [1, 0]], 3 tokens: NLL (1+2+3)/3 = 2; d/dlogp = -mask/3. */
    @Test
    void nllValueAndGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logp = m.create(new float[][] {{-1, -2}, {-3, -4}});
            logp.setRequiresGradient(true);
            NDArray l;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                l = SftUpdate.nll(logp, m.create(new float[][] {{1, 1}, {1, 0}}), 3);
                gc.backward(l);
            }
            assertEquals(2.0, l.getFloat(), 1e-6);
            assertArrayEquals(new float[] {-1f / 3, -1f / 3, -1f / 3, 0}, logp.getGradient().toFloatArray(), 1e-6f);
        }
    }

    @Test
    void fitsLongPairsResponseFirst() {
        int[][] f = SftUpdate.fit(new int[] {1, 2, 3}, new int[] {4, 5, 6, 7}, 5);
        assertArrayEquals(new int[] {1, 2, 3}, f[0]);
        assertArrayEquals(new int[] {4, 5}, f[1]);
        int[][] g = SftUpdate.fit(new int[] {1, 2, 3, 4, 5, 6}, new int[] {7, 8}, 4);
        assertArrayEquals(new int[] {4, 5, 6}, g[0]);
        assertArrayEquals(new int[] {7}, g[1]);
    }

    @Test
    void learnsAResponseAndMicroBatchesMatchOneBatch() {
        List<int[][]> pairs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pairs.add(new int[][] {{i % 3}, {4, 1, 2, 4}}); // respond "4 1 2 4" after any of 0..2
        }
        float[][] tables = new float[2][];
        double[] losses = new double[2];
        int k = 0;
        for (int micro : new int[] {2, 6}) {
            try (BigramPolicy p = new BigramPolicy(5);
                    AdamW opt = new AdamW(AdamW.Hyper.defaults(0), AdamW.HF_DECAY, Device.cpu())) {
                SftUpdate sft = new SftUpdate(micro, 16, 1.0, 0, true);
                LrSchedule sched = LrSchedule.of("constant", 0.1, 0, 0, 40);
                double first = sft.run(pairs, p, opt, sched).loss();
                assertEquals(Math.log(5), first, 1e-5, "uniform policy: NLL = ln V");
                double last = first;
                for (int s = 1; s < 40; s++) {
                    last = sft.run(pairs, p, opt, sched).loss();
                }
                assertTrue(last < 0.5, "memorises the response: " + last);
                tables[k] = p.table.toFloatArray();
                losses[k++] = last;
            }
        }
        assertEquals(losses[1], losses[0], 1e-5);
        assertArrayEquals(tables[1], tables[0], 1e-5f);
    }

    /**
     * Prompt {0, 3}, response {1, 2} on a bigram table: with completion_only_loss the step counts 2 tokens and the
     * prompt's transition 0 -> 3 gets no gradient (row 0 stays zero); without it the step counts 3 tokens and the
     * model learns 0 -> 3 as well.
     */
    @Test
    void completionOnlyLossFalseAlsoTrainsThePromptTokens() {
        List<int[][]> pairs = List.of(new int[][] {{0, 3}, {1, 2}}, new int[][] {{0, 3}, {1, 2}});
        for (boolean completionOnly : new boolean[] {true, false}) {
            try (BigramPolicy p = new BigramPolicy(4);
                    AdamW opt = new AdamW(AdamW.Hyper.defaults(0), AdamW.HF_DECAY, Device.cpu())) {
                SftUpdate sft = new SftUpdate(2, 16, 1.0, 0, completionOnly);
                LrSchedule sched = LrSchedule.of("constant", 0.1, 0, 0, 30);
                SftUpdate.Result first = sft.run(pairs, p, opt, sched);
                assertEquals(completionOnly ? 4 : 6, first.tokens());
                for (int s = 1; s < 30; s++) {
                    sft.run(pairs, p, opt, sched);
                }
                float[] t = p.table.toFloatArray();
                float row0Max = Math.max(Math.max(Math.abs(t[0]), Math.abs(t[1])), Math.max(Math.abs(t[2]), Math.abs(t[3])));
                if (completionOnly) {
                    assertEquals(0f, row0Max, "prompt transition untouched");
                } else {
                    assertTrue(t[3] > t[0] + 1 && t[3] > t[1] + 1 && t[3] > t[2] + 1, "learns 0 -> 3: " + t[3]);
                }
                assertTrue(t[3 * 4 + 1] > t[3 * 4 + 2] + 1, "learns the response's 3 -> 1 either way");
            }
        }
    }

    @Test
    void wholeSequenceMovesAllButTheFirstTokenIntoTheLossPart() {
        int[][] w = SftUpdate.wholeSequence(new int[] {5, 6, 7}, new int[] {8, 9});
        assertArrayEquals(new int[] {5}, w[0]);
        assertArrayEquals(new int[] {6, 7, 8, 9}, w[1]);
    }

    @Test
    void readsPairsAndNamesBadLines(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("sft.jsonl");
        Files.writeString(f, "{\"prompt\": \"2+2?\", \"response\": \"4\"}\n\n{\"prompt\": \"x\"}\n");
        IOException e = assertThrows(IOException.class, () -> SftExample.read(f));
        assertEquals(f + ":3: missing string field 'response'", e.getMessage());
        Files.writeString(f, "{\"prompt\": \"2+2?\", \"response\": \"4\"}\n{oops\n");
        assertTrue(assertThrows(IOException.class, () -> SftExample.read(f)).getMessage().startsWith(f + ":2:"));
        Files.writeString(f, "{\"prompt\": \"2+2?\", \"response\": \"4\"}\n");
        assertEquals(List.of(new SftExample("2+2?", "4")), SftExample.read(f));
    }
}
