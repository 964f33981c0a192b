package rsarl.rollout.eval;

import org.junit.jupiter.api.Test;
import rsarl.rollout.rsa.Generation;
import rsarl.rollout.rsa.StateMetrics;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleProgressTest {
    @Test
    void showsSeedStateAndRequestCounts() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ConsoleProgress p = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8))) {
            p.stateStarted(7, 1, 2, 4, 1);
            for (int i = 0; i < 3; i++) {
                p.generated(new Generation("a", 7, 1, i, List.of(), "r", null, 0, 1, 1, "stop"));
            }
            p.stateFinished(new StateMetrics(7, 1, 0.25, 1, 0.5, 1, 1, 4, 4, 4, 1));
            p.stateStarted(7, 2, 2, 4, 4);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("seed 7"), text);
        assertTrue(text.contains("8/8"), text);
        assertTrue(text.contains("state 2/2"), text);
    }
}
