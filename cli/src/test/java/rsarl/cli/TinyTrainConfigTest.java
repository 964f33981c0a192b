package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The quick start's training claim: configs/train/tiny.yaml on the shipped model raises the standard reward (RL
 * sharpens a solver whose errors differ between samples). The first six of its ten steps, outputs in a temp folder.
 */
class TinyTrainConfigTest {
    @TempDir
    Path dir;

    @Test
    void theShippedTrainConfigRaisesTheStandardReward() throws IOException {
        Path config = Path.of("..", "configs", "train", "tiny.yaml");
        CliRun run = CliRun.rsa("train", "--config", config.toString(),
                "--set", "model=" + Path.of("..", "models", "tiny"),
                "--set", "data.path=" + dir.resolve("problems.jsonl"),
                "--set", "data.pools=" + dir.resolve("pools.jsonl"),
                "--set", "output_dir=" + dir.resolve("rl"),
                "--set", "max_steps=6", "--set", "save_steps=6");
        assertEquals(0, run.code(), run.err());
        List<Double> reward = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(dir.resolve("rl/metrics.jsonl"))) {
            JsonNode m = json.readTree(line);
            reward.add(m.get("reward_mean_standard").asDouble());
        }
        assertEquals(6, reward.size());
        double first = (reward.get(0) + reward.get(1) + reward.get(2)) / 3;
        double last = (reward.get(3) + reward.get(4) + reward.get(5)) / 3;
        assertTrue(last > first, "standard reward, steps 1-3 vs 4-6: " + reward);
    }
}
