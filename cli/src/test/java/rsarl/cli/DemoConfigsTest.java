package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import rsarl.rollout.config.ConfigLoader;
import rsarl.rollout.config.EvalConfig;
import rsarl.rollout.prompt.AggregationTemplate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo's configs (configs/demo/) bind, and its two RL runs differ only in the aggregation share. */
class DemoConfigsTest {
    private static final Path DIR = Path.of("..", "configs", "demo");

    @Test
    void bothRlRunsHaveTheSameBudgetAndTheEvalsTemplate() throws Exception {
        ObjectNode standard = ConfigLoader.read(DIR.resolve("standard-rl.yaml"));
        ObjectNode agg = ConfigLoader.read(DIR.resolve("agg-rl.yaml"));
        assertEquals(0.0, standard.at("/aggregation/ratio").asDouble());
        assertEquals(0.5, agg.at("/aggregation/ratio").asDouble());
        ObjectNode a = standard.deepCopy();
        ObjectNode b = agg.deepCopy();
        for (ObjectNode n : List.of(a, b)) {
            ((ObjectNode) n.get("aggregation")).remove("ratio");
            n.remove("output_dir");
        }
        assertEquals(a, b, "same seed, steps, batch, lr, sampling and template: only the aggregation share differs");

        EvalConfig eval = EvalConfig.load(DIR.resolve("eval.yaml"), List.of());
        assertEquals(eval.rsa().template(), agg.at("/aggregation/template").asText(),
                "the RL runs train on the prompt layout the eval shows");
        AggregationTemplate.resolve(eval.rsa().template());
        String demo = Files.readString(Path.of("..", "scripts", "demo.sh"));
        assertTrue(demo.contains("--sft-agg-template " + eval.rsa().template()), "SFT pairs use the same layout");
    }

    @Test
    void everyDemoConfigIsValidYaml() throws Exception {
        try (var files = Files.list(DIR)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                JsonNode tree = ConfigLoader.read(f);
                assertTrue(tree.has("output_dir") || tree.has("output"), f + " names its output");
            }
        }
    }
}
