package rsarl.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** 10,000 decode steps leave no native arrays behind and the process's resident memory stays flat. */
class GeneratorMemoryTest {
    @Test
    void tenThousandDecodeStepsDoNotGrowNativeMemory(@TempDir Path dir) throws IOException {
        QwenModel.initRandom("tiny", 64, List.of(), 3, dir); // no eos: rows run to their max_new_tokens
        // one layer of the four is enough to exercise the cache and keeps 10,000 steps quick
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replaceAll("\"num_hidden_layers\"\\s*:\\s*\\d+",
                "\"num_hidden_layers\": 1"));
        try (QwenModel model = QwenModel.load(dir)) {
            model.reservePositions(10_004); // the RoPE table a generation this long reserves stays with the model
            int before = model.manager().getManagedArrays().size();
            List<Integer> arrays = new ArrayList<>();
            List<Long> rss = new ArrayList<>();
            Generator gen = new Generator(model);
            gen.afterStep = step -> {
                arrays.add(model.manager().getManagedArrays().size());
                if (step % 1000 == 0) rss.add(residentKiB());
            };
            List<Completion> out = gen.generate(List.of(
                    new GenerationRequest(new int[] {1, 2, 3}, SamplingParams.of(1.0, 1.0, 10_001), 1),
                    new GenerationRequest(new int[] {4, 5}, SamplingParams.greedy(3_000), 2),
                    // filtered sampling ranks candidates on the engine every step (FilteredDraw); it ends before
                    // step 5,000, so its extra Java garbage (a larger young generation) is not read as a leak
                    new GenerationRequest(new int[] {6}, new SamplingParams(0.8, 0.9, 20, 0.01, 4_500,
                            List.of(), List.of()), 3)));
            assertEquals(10_001, out.get(0).tokenIds().length);
            assertEquals(3_000, out.get(1).tokenIds().length);
            assertEquals(4_500, out.get(2).tokenIds().length);
            assertEquals(10_001, arrays.size(), "one count per step (prefill + 10,000 decode steps)");
            // the cache swaps its buffers when it doubles or a row leaves, never adds any: the count is flat
            for (int i = 1; i < arrays.size(); i++) assertEquals(arrays.get(1), arrays.get(i), "live arrays at step " + i);
            assertEquals(before, model.manager().getManagedArrays().size(), "everything freed at the end");
            if (rss.get(0) > 0) {
                // by step 5,000 the cache has its final size (8192 slots); from then on nothing may accumulate
                long growth = rss.get(rss.size() - 1) - rss.get(5);
                assertTrue(growth < 64 * 1024, "resident memory grew " + growth + " KiB over 5,000 steps: " + rss);
            }
        }
    }

    /** VmRSS of this process in KiB, or 0 where /proc is missing. */
    private static long residentKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
