package rsarl.trainer.optim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LrScheduleTest {
    @Test
    void cosineWithWarmupSteps() {
        LrSchedule s = LrSchedule.of("cosine", 1e-3, 2, 0.0, 10);
        assertEquals(0.0, s.lr(0), 1e-15);           // transformers: first update at lr 0 while warming up
        assertEquals(0.5e-3, s.lr(1), 1e-15);
        assertEquals(1e-3, s.lr(2), 1e-15);          // cos(0)
        assertEquals(0.5e-3, s.lr(6), 1e-15);        // progress 4/8 -> cos(pi/2) = 0
        assertEquals(0.5e-3 * (1 + Math.cos(Math.PI * 7 / 8)), s.lr(9), 1e-15);
        assertEquals(0.0, s.lr(10), 1e-15);
    }

    @Test
    void warmupRatioRoundsUpAndLinearDecays() {
        LrSchedule s = LrSchedule.of("linear", 2.0, 0, 0.15, 10); // ceil(1.5) = 2
        assertEquals(2, s.warmupSteps());
        assertEquals(1.0, s.lr(1), 1e-12);
        assertEquals(2.0, s.lr(2), 1e-12);           // (10-2)/8
        assertEquals(1.0, s.lr(6), 1e-12);           // (10-6)/8
        assertEquals(0.25, s.lr(9), 1e-12);
    }

    @Test
    void constantWarmsUpThenHolds() {
        LrSchedule s = LrSchedule.of("constant", 1.0, 4, 0.5, 100); // warmup_steps wins over the ratio
        assertEquals(0.25, s.lr(1), 1e-12);
        assertEquals(1.0, s.lr(4), 1e-12);
        assertEquals(1.0, s.lr(99), 1e-12);
        assertEquals(1.0, LrSchedule.of("constant_with_warmup", 1.0, 0, 0, 5).lr(0), 0);
    }

    @Test
    void unknownTypeNamesTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LrSchedule.of("cosine_with_restarts", 1, 0, 0, 5));
        assertEquals(true, e.getMessage().contains("cosine_with_restarts"));
    }
}
