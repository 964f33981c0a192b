package rsarl.trainer.grpo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.QwenModel;
import rsarl.model.QwenTokenizer;
import rsarl.rewards.Problem;
import rsarl.rollout.prompt.AggregationTemplate;
import rsarl.trainer.TinyQwen;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Prompts, seeds, truncation and rewards of the Qwen rollouts on the tiny model. */
class QwenRolloutsTest {
    private static final List<Problem> PROBLEMS = List.of(
            Problem.of("p0", "What is 2+3?", "5", "math"), Problem.of("p1", "What is 4+4?", "8", "math"));
    private static final List<List<String>> POOLS = List.of(List.of("zebra says 5", "yak says 6"),
            List.of("walrus says 8", "vole says 9"));

    private static QwenRollouts rollouts(QwenModel model, QwenTokenizer tok, int maxPrompt, PrintStream log,
            List<String> scored) {
        return new QwenRollouts(scratch -> model, tok, PROBLEMS, POOLS, (p, text) -> {
            scored.add(p.id());
            return text.length() % 2;
        }, new QwenRollouts.Settings(maxPrompt, 5, 1.0, 1.0, 8), log);
    }

    /** Rollouts with the given settings, every completion scored 0, nothing logged. */
    private static QwenRollouts unscored(QwenModel model, QwenTokenizer tok, QwenRollouts.Settings settings) {
        return new QwenRollouts(scratch -> model, tok, PROBLEMS, POOLS, (p, text) -> 0, settings,
                new PrintStream(new ByteArrayOutputStream()));
    }

    @Test
    void buildsPromptsSamplesDeterministicallyAndScores(@TempDir Path dir) throws Exception {
        Path m = TinyQwen.create(dir.resolve("m"), 5);
        try (QwenModel model = QwenModel.load(m); QwenTokenizer tok = QwenTokenizer.load(m)) {
            List<BatchPlanner.PromptPlan> plans = List.of(
                    BatchPlanner.PromptPlan.fromPool(1, 1, 0),
                    BatchPlanner.PromptPlan.standard(0),
                    BatchPlanner.PromptPlan.fromPolicy(0, 2)); // policy candidates
            List<String> scored = new ArrayList<>();
            PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
            Rollouts.Result a = rollouts(model, tok, 4096, quiet, scored).rollout(1, plans, 3, 77);
            assertEquals(3, a.groups().size());
            assertEquals(List.of("p1", "p1", "p1", "p0", "p0", "p0", "p0", "p0", "p0"), scored);
            String agg = tok.decode(a.groups().get(0).promptIds());
            assertTrue(agg.indexOf("vole says 9") < agg.indexOf("walrus says 8") && agg.contains("4+4"), agg);
            assertTrue(agg.endsWith("<|im_start|>assistant\n"), agg);
            String std = tok.decode(a.groups().get(1).promptIds());
            assertTrue(std.contains("2+3") && !std.contains("Candidate"), std);
            String fromPolicy = tok.decode(a.groups().get(2).promptIds());
            assertTrue(fromPolicy.contains("Candidate 2") && !fromPolicy.contains("zebra"), fromPolicy);
            for (Rollouts.Group g : a.groups()) {
                assertEquals(3, g.completions().size());
                for (int i = 0; i < 3; i++) {
                    assertEquals(g.completions().get(i).tokenIds().length, g.completions().get(i).logprobs().length);
                    assertTrue(g.rewards()[i] == 0 || g.rewards()[i] == 1);
                }
            }

            Rollouts.Result again = rollouts(model, tok, 4096, quiet, new ArrayList<>()).rollout(1, plans, 3, 77);
            Rollouts.Result other = rollouts(model, tok, 4096, quiet, new ArrayList<>()).rollout(1, plans, 3, 78);
            boolean differs = false;
            for (int p = 0; p < 3; p++) {
                assertArrayEquals(a.groups().get(p).promptIds(), again.groups().get(p).promptIds());
                for (int i = 0; i < 3; i++) {
                    int[] x = a.groups().get(p).completions().get(i).tokenIds();
                    assertArrayEquals(x, again.groups().get(p).completions().get(i).tokenIds());
                    differs |= !java.util.Arrays.equals(x, other.groups().get(p).completions().get(i).tokenIds());
                }
            }
            assertTrue(differs, "another step seed samples other completions");

            ByteArrayOutputStream log = new ByteArrayOutputStream();
            Rollouts.Result cut = rollouts(model, tok, 40, new PrintStream(log, true), new ArrayList<>())
                    .rollout(3, plans, 2, 77);
            int[] full = a.groups().get(0).promptIds();
            int[] kept = cut.groups().get(0).promptIds();
            assertEquals(40, kept.length);
            assertArrayEquals(java.util.Arrays.copyOfRange(full, full.length - 40, full.length), kept, "left-truncated");
            assertTrue(log.toString().contains("left-truncated"), log.toString());
            assertFalse(log.toString().isBlank());
        }
    }

    @Test
    void aggregationPromptsUseTheConfiguredTemplate(@TempDir Path dir) throws Exception {
        Path m = TinyQwen.create(dir.resolve("m"), 5);
        try (QwenModel model = QwenModel.load(m); QwenTokenizer tok = QwenTokenizer.load(m)) {
            List<BatchPlanner.PromptPlan> plans = List.of(
                    BatchPlanner.PromptPlan.fromPool(1, 1, 0));
            QwenRollouts compact = unscored(model, tok, new QwenRollouts.Settings(4096, 3, 1.0, 1.0, 8, AggregationTemplate.COMPACT));
            String agg = tok.decode(compact.rollout(1, plans, 2, 77).groups().get(0).promptIds());
            String expected = AggregationTemplate.COMPACT.render(PROBLEMS.get(1), List.of("vole says 9", "walrus says 8"));
            assertTrue(agg.contains(expected) && !agg.contains("=== Candidate"), agg);
        }
    }

    @Test
    void shuffleCandidatesGivesEachSampleItsOwnOrderOfTheSameCandidates(@TempDir Path dir) throws Exception {
        Path m = TinyQwen.create(dir.resolve("m"), 5);
        try (QwenModel model = QwenModel.load(m); QwenTokenizer tok = QwenTokenizer.load(m)) {
            List<BatchPlanner.PromptPlan> plans = List.of(
                    BatchPlanner.PromptPlan.fromPool(1, 1, 0),
                    BatchPlanner.PromptPlan.standard(0));
            QwenRollouts shuffling = unscored(model, tok, new QwenRollouts.Settings(4096, 3, 1.0, 1.0, 8, AggregationTemplate.COMPACT, true));
            int g = 8;
            Rollouts.Result a = shuffling.rollout(1, plans, g, 77);
            Rollouts.Group agg = a.groups().get(0);
            assertEquals(g, agg.samplePrompts().size());
            java.util.Set<String> orders = new java.util.HashSet<>();
            for (int i = 0; i < g; i++) {
                assertArrayEquals(agg.samplePrompts().get(i), agg.promptOf(i));
                String text = tok.decode(agg.promptOf(i));
                int vole = text.indexOf("vole says 9");
                int walrus = text.indexOf("walrus says 8");
                assertTrue(vole >= 0 && walrus >= 0 && text.contains("4+4"), text);
                orders.add(vole < walrus ? "vole first" : "walrus first");
            }
            assertEquals(2, orders.size(), "the samples see both orders of the two candidates");
            assertArrayEquals(agg.promptOf(0), agg.promptIds());
            assertEquals(null, a.groups().get(1).samplePrompts(), "standard prompts are not shuffled");

            Rollouts.Result again = shuffling.rollout(1, plans, g, 77);
            for (int i = 0; i < g; i++) {
                assertArrayEquals(agg.promptOf(i), again.groups().get(0).promptOf(i), "the order is seeded");
            }
            QwenRollouts fixed = unscored(model, tok, new QwenRollouts.Settings(4096, 3, 1.0, 1.0, 8, AggregationTemplate.COMPACT));
            Rollouts.Group unshuffled = fixed.rollout(1, plans, g, 77).groups().get(0);
            assertEquals(null, unshuffled.samplePrompts());
            for (int i = 0; i < g; i++) {
                assertArrayEquals(unshuffled.promptIds(), unshuffled.promptOf(i));
            }
        }
    }
}
