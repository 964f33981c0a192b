package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.rollout.config.CandidatesConfig;
import rsarl.rollout.config.ConfigKeys;
import rsarl.rollout.config.ConfigLoader;
import rsarl.rollout.config.EvalConfig;
import rsarl.trainer.config.SftConfig;
import rsarl.trainer.config.TrainConfig;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One config vocabulary: each command's key reference ({@code --print-config}) lists exactly the keys its config
 * binds, with the defaults the code applies and a meaning for every key, and the README's key tables list the same
 * keys.
 */
class ConfigKeysTest {
    @TempDir
    Path dir;

    private static Set<String> leaves(JsonNode n) {
        Set<String> out = new TreeSet<>();
        leaves("", n, out);
        return out;
    }

    private static void leaves(String prefix, JsonNode n, Set<String> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isObject() && !e.getValue().isEmpty()) {
                leaves(prefix + e.getKey() + ".", e.getValue(), out);
            } else {
                out.add(prefix + e.getKey());
            }
        }
    }

    private Path write(String name, String yaml) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void evalReferenceListsTheBoundKeysAndTheirDefaults() throws IOException {
        Path f = write("e.yaml", "backend: {type: openai, base_url: 'http://127.0.0.1:9/v1', model: m}\n"
                + "data: {path: p.jsonl}\noutput_dir: out\n");
        JsonNode bound = ConfigLoader.toTree(EvalConfig.load(f, List.of()));
        assertEquals(leaves(bound), new TreeSet<>(ConfigKeys.keys(EvalConfig.class, "eval-defaults.yaml")));
        JsonNode ref = ConfigLoader.readResource(EvalConfig.class, "eval-defaults.yaml");
        for (String key : ConfigKeys.keys(EvalConfig.class, "eval-defaults.yaml")) {
            JsonNode documented = ref.at("/" + key.replace('.', '/'));
            JsonNode actual = bound.at("/" + key.replace('.', '/'));
            if (!documented.isNull() && !List.of("backend.type", "backend.base_url", "backend.model").contains(key)) {
                assertTrue(documented.equals(actual) || documented.asDouble() == actual.asDouble()
                        && documented.isNumber(), key + ": documented " + documented + ", applied " + actual);
            }
        }
    }

    @Test
    void trainAndSftReferencesAreTheDefaultsTheyBindAndMatchTheRecords() throws IOException {
        Files.createDirectories(dir.resolve("model"));
        Files.writeString(dir.resolve("p.jsonl"), "{\"prompt\": \"a\", \"answer\": \"b\"}\n");
        Path t = write("t.yaml", "model: " + dir.resolve("model") + "\noutput_dir: o\n"
                + "data: {path: " + dir.resolve("p.jsonl") + ", task: 'puzzle:arith'}\naggregation: {ratio: 0.0}\n");
        assertEquals(leaves(ConfigLoader.toTree(TrainConfig.load(t, List.of()))),
                new TreeSet<>(ConfigKeys.keys(TrainConfig.class, "train-defaults.yaml")));
        Files.writeString(dir.resolve("pairs.jsonl"), "{\"prompt\": \"a\", \"response\": \"b\"}\n");
        Path s = write("s.yaml", "model: " + dir.resolve("model") + "\noutput_dir: o\ndata: {train: "
                + dir.resolve("pairs.jsonl") + "}\n");
        assertEquals(leaves(ConfigLoader.toTree(SftConfig.load(s, List.of()))),
                new TreeSet<>(ConfigKeys.keys(SftConfig.class, "sft-defaults.yaml")));
    }

    @Test
    void everyKeyHasAMeaning() {
        for (String[] r : new String[][] {{"eval", "eval-defaults.yaml"}, {"train", "train-defaults.yaml"},
                {"sft", "sft-defaults.yaml"}, {"candidates", "candidates-defaults.yaml"}}) {
            Class<?> owner = switch (r[0]) {
                case "eval" -> EvalConfig.class;
                case "candidates" -> CandidatesConfig.class;
                case "train" -> TrainConfig.class;
                default -> SftConfig.class;
            };
            for (String line : ConfigKeys.text(owner, r[1]).split("\n")) {
                if (line.matches("\\s*[a-z_0-9]+: \\S.*")) {
                    assertTrue(line.contains("#"), r[1] + ": no meaning for '" + line.strip() + "'");
                }
            }
        }
    }

    @Test
    void printConfigPrintsTheReferenceOfEachCommand() {
        for (String[] c : new String[][] {{"eval", "rsa.k"}, {"train", "num_generations"}, {"sft", "max_seq_length"},
                {"candidates", "per_problem"}}) {
            PrintStream old = System.out;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            int code;
            try {
                code = Rsa.run(c[0], "--print-config");
            } finally {
                System.setOut(old);
            }
            assertEquals(0, code);
            String text = out.toString(StandardCharsets.UTF_8);
            String leaf = c[1].substring(c[1].lastIndexOf('.') + 1);
            assertTrue(text.contains(leaf + ":") && text.contains("#"), c[0] + ": " + text);
        }
        assertEquals(2, Rsa.run("eval"), "no --config and no --print-config is a command-line error");
    }

    /** Keys in the README table under the heading {@code heading}: the backticked names of each row's first cell. */
    static Set<String> readmeKeys(String readme, String heading) {
        int at = readme.indexOf(heading);
        assertTrue(at >= 0, "README has no section '" + heading + "'");
        Set<String> keys = new LinkedHashSet<>();
        boolean inTable = false;
        for (String line : readme.substring(at + heading.length()).split("\n")) {
            if (line.startsWith("|")) {
                inTable = true;
                String first = line.split("\\|")[1];
                Matcher m = Pattern.compile("`([^`]+)`").matcher(first);
                while (m.find()) {
                    keys.add(m.group(1));
                }
            } else if (inTable) {
                break;
            }
        }
        keys.remove("key");
        return keys;
    }

    @Test
    void readmeKeyTablesMatchThePrintedReference() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        List<String> problems = new ArrayList<>();
        for (String[] c : new String[][] {{"### `rsa eval` keys", "eval-defaults.yaml"},
                {"### `rsa train` keys", "train-defaults.yaml"}, {"### `rsa sft` keys", "sft-defaults.yaml"}}) {
            Class<?> owner = c[1].startsWith("eval") ? EvalConfig.class : c[1].startsWith("train") ? TrainConfig.class
                    : SftConfig.class;
            Set<String> documented = readmeKeys(readme, c[0]);
            Set<String> printed = new LinkedHashSet<>(ConfigKeys.keys(owner, c[1]));
            Set<String> missing = new TreeSet<>(printed);
            missing.removeAll(documented);
            Set<String> extra = new TreeSet<>(documented);
            extra.removeAll(printed);
            if (!missing.isEmpty() || !extra.isEmpty()) {
                problems.add(c[0] + ": missing from the README " + missing + ", not a key " + extra);
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }
}
