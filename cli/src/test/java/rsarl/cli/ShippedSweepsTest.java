package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import rsarl.rollout.config.ConfigLoader;
import rsarl.rollout.config.EvalConfig;
import rsarl.trainer.config.TrainConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every sweep in configs/sweeps/ names a shipped base config, and each of its grid values binds in that base. */
class ShippedSweepsTest {
    private static final Path ROOT = Path.of("..");

    @Test
    void shippedSweepsBind() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(ROOT.resolve("configs/sweeps"))) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertEquals(Set.of("rsa-k.yaml", "rsa-t.yaml", "rsa-n.yaml", "train-aggregation-ratio.yaml",
                "standard-vs-aggregation-rl.yaml"), Set.copyOf(files.stream().map(p -> p.getFileName().toString()).toList()));
        for (Path f : files) {
            ObjectNode sweep = ConfigLoader.read(f);
            String command = sweep.get("command").asText();
            Path base = ROOT.resolve(sweep.get("base").asText());
            assertTrue(Files.isRegularFile(base), f + ": base " + base);
            assertTrue(sweep.get("output_dir").asText().startsWith("runs/sweeps/"), f.toString());
            for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) sweep.get("grid")::fields) {
                for (JsonNode v : e.getValue()) {
                    List<String> o = new ArrayList<>(List.of(e.getKey() + "=" + v, "output_dir=x"));
                    if (command.equals("eval")) {
                        EvalConfig.load(base, o);
                    } else {
                        o.add("model=" + ROOT.resolve("models/tiny")); // the configs' paths are relative to the root
                        TrainConfig.load(base, o);
                    }
                }
            }
            if (command.equals("train+eval")) {
                assertTrue(Files.isRegularFile(ROOT.resolve(sweep.get("eval_config").asText())), f.toString());
            }
        }
    }
}
