package rsarl.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How many query rows a checkpointed layer's attention block takes, per device. */
class BlockwiseLayerTest {
    private static long blocks(long len, int rows) {
        return (len + rows - 1) / rows;
    }

    @Test
    void cpuBlocksHoldThirtyTwoMebibytesOfScores() {
        // qwen3-0.6b: 16 query heads; 2,048 keys x 16 heads x 4 bytes = 128 KiB per row -> 256 rows
        assertEquals(256, BlockwiseLayer.rowsFor(1, 16, 2048, false));
        assertEquals(64, BlockwiseLayer.rowsFor(1, 16, 8192, false));
        long scores = 4L * 16 * 8192 * BlockwiseLayer.rowsFor(1, 16, 8192, false);
        assertTrue(scores <= BlockwiseLayer.BLOCK_SCORE_BYTES, "block scores " + scores);
    }

    @Test
    void gpuBlocksStayFewAtLongSequences() {
        // the H200 case: 8,192 tokens ran 128 blocks per layer at the CPU budget; the GPU budget keeps it to 4
        assertEquals(4, blocks(8192, BlockwiseLayer.rowsFor(1, 16, 8192, true)));
        assertEquals(1, blocks(2048, BlockwiseLayer.rowsFor(1, 16, 2048, true)));
        // qwen3-8b (32 heads) at 32k tokens: bounded memory still, 4 MiB of scores per row
        int rows = BlockwiseLayer.rowsFor(1, 32, 32768, true);
        assertTrue(4L * 32 * 32768 * rows <= BlockwiseLayer.GPU_BLOCK_SCORE_BYTES, "rows " + rows);
        assertEquals(128, blocks(32768, rows));
    }

    @Test
    void atLeastSixteenRowsAndNeverMoreThanTheSequence() {
        assertEquals(16, BlockwiseLayer.rowsFor(64, 64, 1 << 20, false));
        assertEquals(100, BlockwiseLayer.rowsFor(1, 16, 100, true));
    }
}
