package rsarl.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoReportCommandTest {
    @TempDir
    Path dir;

    private Path summary(String name, double[] pass1, double[] majority) throws Exception {
        Path d = dir.resolve(name);
        Files.createDirectories(d);
        StringBuilder states = new StringBuilder();
        for (int i = 0; i < pass1.length; i++) {
            states.append(i > 0 ? "," : "").append("{\"step\":").append(i + 1)
                    .append(",\"pass@1\":{\"mean\":").append(pass1[i]).append(",\"std\":0}")
                    .append(",\"majority\":{\"mean\":").append(majority[i]).append(",\"std\":0}")
                    .append(",\"pass@n\":{\"mean\":0.9,\"std\":0}}");
        }
        Files.writeString(d.resolve("summary.json"), "{\"states\":[" + states + "]}");
        return d;
    }

    @Test
    void tablePlotAndMarkdownFromEvalSummaries() throws Exception {
        Path a = summary("a", new double[] {0.40, 0.35, 0.30}, new double[] {0.5, 0.4, 0.3});
        Path b = summary("b", new double[] {0.40, 0.55, 0.625}, new double[] {0.5, 0.6, 0.7});
        Path md = dir.resolve("out/results.md");
        Path png = dir.resolve("out/compare.png");
        Object[] r = GradeCommandTest.run("demo-report", "--run", "standard=" + a, "--run", "agg=" + b,
                "--markdown", md.toString(), "--plot", png.toString());
        assertEquals(0, r[0], () -> (String) r[2]);
        String out = (String) r[1];
        assertTrue(out.contains("| pass@1 state 3 |"), out);
        assertTrue(out.contains("| standard | 0.400 | 0.300 | 0.500 | 0.300 | 0.900 | -0.100 | n/a |"), out);
        assertTrue(out.contains("| agg | 0.400 | 0.625 | 0.500 | 0.700 | 0.900 | +0.225 | n/a |"), out);
        assertTrue(Files.readString(md).contains(out));
        assertTrue(Files.size(png) > 1000);
    }

    /**
     * Per-problem gains (state 3 mean - state 1 mean): p1 0/2 -> 2/2 = +1, p2 1/2 -> 1/2 = 0, p3 2/2 -> 1/2 = -0.5;
     * mean 1/6, sample sd sqrt(((5/6)^2 + (1/6)^2 + (2/3)^2) / 2) = 0.7638, s.e. 0.7638 / sqrt(3) = 0.441.
     * State 2 rows are ignored.
     */
    @Test
    void gainStandardErrorIsOverProblems() throws Exception {
        Path d = summary("se", new double[] {0.5, 0.5, 0.667}, new double[] {0.5, 0.5, 0.5});
        int[][] scores = {{0, 0, 1, 1}, {1, 0, 1, 0}, {1, 1, 1, 0}}; // per problem: state 1 slots, state 3 slots
        generations(d, scores);
        assertEquals(0.441, DemoReportCommand.read("m", d).gainStdErr(), 1e-3);
        Object[] r = GradeCommandTest.run("demo-report", "--run", "m=" + d);
        assertEquals(0, r[0], () -> (String) r[2]);
        assertTrue(((String) r[1]).contains("| +0.167 | 0.441 |"), (String) r[1]);
    }

    /** Writes generations.jsonl: problem p{i} has state 1 slots scores[i][0..1], state 3 slots scores[i][2..3]. */
    private static void generations(Path d, int[][] scores) throws Exception {
        StringBuilder g = new StringBuilder();
        for (int p = 0; p < scores.length; p++) {
            for (int slot = 0; slot < 4; slot++) {
                int step = slot < 2 ? 1 : 3;
                g.append("{\"problem_id\":\"p").append(p).append("\",\"seed\":1,\"step\":").append(step)
                        .append(",\"slot\":").append(slot % 2).append(",\"score\":").append(scores[p][slot]).append("}\n");
                g.append("{\"problem_id\":\"p").append(p).append("\",\"seed\":1,\"step\":2,\"slot\":").append(slot)
                        .append(",\"score\":1}\n");
            }
        }
        Files.writeString(d.resolve("generations.jsonl"), g.toString());
    }

    /**
     * Gains of a: p0 +1, p1 0, p2 -0.5; of b: p0 0, p1 0, p2 -0.5 and p3 +1 (a lacks p3: left out of the pairs).
     * Paired differences a - b over p0..p2: 1, 0, 0: mean 1/3, sd sqrt(((2/3)^2 + 2 (1/3)^2) / 2) = 0.5774,
     * s.e. 0.5774 / sqrt(3) = 0.333, z 1.0. (Unpaired, the s.e. would be about 0.6.)
     */
    @Test
    void gainDifferencesArePairedOverSharedProblems() throws Exception {
        Path a = summary("pa", new double[] {0.5, 0.5, 0.667}, new double[] {0.5, 0.5, 0.5});
        generations(a, new int[][] {{0, 0, 1, 1}, {1, 0, 1, 0}, {1, 1, 1, 0}});
        Path b = summary("pb", new double[] {0.5, 0.5, 0.667}, new double[] {0.5, 0.5, 0.5});
        generations(b, new int[][] {{1, 0, 0, 1}, {1, 0, 0, 1}, {1, 1, 0, 1}, {0, 0, 1, 1}});
        DemoReportCommand.Estimate d = DemoReportCommand.pairedGainDifference(DemoReportCommand.read("a", a),
                DemoReportCommand.read("b", b));
        assertEquals(1.0 / 3, d.mean(), 1e-9);
        assertEquals(0.3333, d.stdErr(), 1e-4);
        assertEquals(3, d.problems());
        Object[] r = GradeCommandTest.run("demo-report", "--run", "b=" + b, "--run", "a=" + a);
        assertEquals(0, r[0], () -> (String) r[2]);
        assertTrue(((String) r[1]).contains("| a - b | +0.333 | 0.333 | 1.0 | 3 |"), (String) r[1]);
    }

    /**
     * Two eval seeds of one problem are one unit: p0 gains +1 (seed 1) and 0 (seed 2) -> +0.5; p1 gains -0.5 and
     * -0.5 -> -0.5. Over the two problems: mean 0, sd sqrt(2 * 0.5^2) = 0.7071, s.e. 0.5 (treating the four
     * problem-seed pairs as independent would give 0.354).
     */
    @Test
    void seedsOfAProblemAreAveragedNotCountedAsMoreProblems() throws Exception {
        Path d = summary("seeds", new double[] {0.5, 0.5, 0.5}, new double[] {0.5, 0.5, 0.5});
        int[][] perSeed = {{0, 0, 1, 1}, {1, 0, 1, 0}, {1, 1, 1, 0}, {1, 0, 0, 0}}; // p0 s1, p0 s2, p1 s1, p1 s2
        StringBuilder g = new StringBuilder();
        for (int i = 0; i < perSeed.length; i++) {
            for (int slot = 0; slot < 4; slot++) {
                g.append("{\"problem_id\":\"p").append(i / 2).append("\",\"seed\":").append(1 + i % 2)
                        .append(",\"step\":").append(slot < 2 ? 1 : 3).append(",\"slot\":").append(slot % 2)
                        .append(",\"score\":").append(perSeed[i][slot]).append("}\n");
            }
        }
        Files.writeString(d.resolve("generations.jsonl"), g.toString());
        DemoReportCommand.Curve c = DemoReportCommand.read("m", d);
        assertEquals(2, c.problemGains().size());
        assertEquals(0.5, c.problemGains().get("p0"), 1e-12);
        assertEquals(-0.5, c.problemGains().get("p1"), 1e-12);
        assertEquals(0.5, c.gainStdErr(), 1e-12);
    }

    @Test
    void missingSummaryNamesTheFile() {
        Object[] r = GradeCommandTest.run("demo-report", "--run", "x=" + dir.resolve("nope"));
        assertNotEquals(0, r[0]);
        assertTrue(((String) r[2]).contains("nope/summary.json"), (String) r[2]);
    }
}
