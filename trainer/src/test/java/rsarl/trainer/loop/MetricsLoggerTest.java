package rsarl.trainer.loop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.trainer.grpo.StepMetrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsLoggerTest {
    private static StepMetrics metrics(long step) {
        return new StepMetrics(step, 0.5, Double.NaN, 0.25, 0.1, 0, 0.01, 0.02, 1.3, 0.9, 1e-6, 120, 256, 0.1,
                300, 2.0, 0.1, 1.5, 0.003, 1, 0);
    }

    @Test
    void writesOneFlushedLinePerStepWithSnakeCaseKeys(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("out/metrics.jsonl");
        try (MetricsLogger log = MetricsLogger.open(f, 0)) {
            log.log(metrics(1));
            // flushed: readable before close
            JsonNode n = new ObjectMapper().readTree(Files.readAllLines(f).get(0));
            assertEquals(1, n.get("step").asLong());
            assertEquals(0.5, n.get("reward_mean_standard").asDouble());
            assertTrue(n.get("reward_mean_aggregation").isNull(), "NaN is written as null");
            assertEquals(0.003, n.get("sampler_logprob_abs_diff").asDouble());
            log.log(Map.of("step", 2, "loss", 0.2));
            assertEquals(2, log.lines());
        }
    }

    @Test
    void resumeDropsLinesAfterTheCheckpointAndTornLines(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("metrics.jsonl");
        try (MetricsLogger log = MetricsLogger.open(f, 0)) {
            for (int s = 1; s <= 5; s++) {
                log.log(metrics(s));
            }
        }
        Files.writeString(f, "{\"step\": 6, \"lo", java.nio.file.StandardOpenOption.APPEND); // crash mid-line
        try (MetricsLogger log = MetricsLogger.open(f, 3)) {
            assertEquals(3, log.lines());
            log.log(metrics(4));
        }
        List<String> lines = Files.readAllLines(f);
        assertEquals(4, lines.size());
        ObjectMapper om = new ObjectMapper();
        for (int i = 0; i < 4; i++) {
            assertEquals(i + 1, om.readTree(lines.get(i)).get("step").asLong());
        }
        try (MetricsLogger log = MetricsLogger.open(f, 0)) {
            assertEquals(0, log.lines(), "a fresh run starts an empty file");
        }
        assertEquals(0, Files.readAllLines(f).size());
    }

    @Test
    void progressBarShowsRateAndEta() {
        ProgressBar bar = new ProgressBar(100, 20, System.err, false);
        String line = bar.render(30, 20.0, "loss=0.1");
        // 10 steps in 20 s -> 2 s/step, 70 left -> 140 s
        assertTrue(line.startsWith("[#######"), line);
        assertTrue(line.contains("30/100  30% 2.00s/step ETA 2m20s loss=0.1"), line);
        assertTrue(bar.render(20, 1.0, "").contains("ETA ?"));
    }
}
