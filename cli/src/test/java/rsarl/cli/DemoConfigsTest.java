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
    void theScriptsDefaultSeedsAreTheConfigsSeeds() throws Exception {
        String demo = Files.readString(Path.of("..", "scripts", "demo.sh"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("DEMO_SEEDS:-([0-9 ]+)}").matcher(demo);
        assertTrue(m.find(), "demo.sh reads DEMO_SEEDS with a default");
        String[] seeds = m.group(1).trim().split(" ");
        assertEquals(6, seeds.length);
        // init (no config: init-model --seed), warm-up, SFT, pools, RL (both runs), eval: running a config by hand
        // with its own seed reproduces the demo's stage.
        assertEquals(seeds[1], ConfigLoader.read(DIR.resolve("warmup.yaml")).get("seed").asText());
        assertEquals(seeds[2], ConfigLoader.read(DIR.resolve("sft.yaml")).get("seed").asText());
        assertEquals(seeds[3], ConfigLoader.read(DIR.resolve("candidates.yaml")).get("seed").asText());
        assertEquals(seeds[4], ConfigLoader.read(DIR.resolve("standard-rl.yaml")).get("seed").asText());
        assertEquals(seeds[4], ConfigLoader.read(DIR.resolve("agg-rl.yaml")).get("seed").asText());
        assertEquals(seeds[5], ConfigLoader.read(DIR.resolve("eval.yaml")).get("seed").asText());
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
