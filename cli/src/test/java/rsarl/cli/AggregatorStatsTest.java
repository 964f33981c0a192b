package rsarl.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AggregatorStatsTest {
    @TempDir
    Path dir;

    private static String line(int step, int slot, String parents, int score) {
        return "{\"problem_id\":\"p\",\"seed\":1,\"step\":" + step + ",\"slot\":" + slot + ",\"parents\":" + parents
                + ",\"score\":" + score + "}\n";
    }

    /**
     * State 1 scores 1,0,0,0. State 2: [0,1] mixed (1/2 right) answered right; [1,2] none right, answered right;
     * [0,1,2] mixed (1/3) answered wrong; [1,3] none right, wrong. State 3: [0,1] of state 2 (both right) counts in
     * neither. Mixed: 2 calls, 1/2 right, random pick (1/2 + 1/3) / 2 = 5/12; none right: 2 calls, 1/2 right.
     */
    @Test
    void comparesMixedCallsWithARandomPick() throws Exception {
        Path f = dir.resolve("generations.jsonl");
        Files.writeString(f, line(1, 0, "[]", 1) + line(1, 1, "[]", 0) + line(1, 2, "[]", 0) + line(1, 3, "[]", 0)
                + line(2, 0, "[0,1]", 1) + line(2, 1, "[1,2]", 1) + line(2, 2, "[0,1,2]", 0) + line(2, 3, "[1,3]", 0)
                + line(3, 0, "[0,1]", 1));
        AggregatorStats a = AggregatorStats.read(f);
        assertEquals(2, a.mixed());
        assertEquals(0.5, a.mixedRight(), 1e-12);
        assertEquals(5.0 / 12, a.randomPick(), 1e-12);
        assertEquals(2, a.noneRight());
        assertEquals(0.5, a.noneRightRight(), 1e-12);

        Files.writeString(dir.resolve("summary.json"), "{\"states\":[" + state(1) + "," + state(2) + "," + state(3)
                + "]}");
        Object[] r = GradeCommandTest.run("demo-report", "--run", "m=" + dir);
        assertEquals(0, r[0], () -> (String) r[2]);
        assertTrue(((String) r[1]).contains("| aggregation calls (states 2-3) |"), (String) r[1]);
        assertTrue(((String) r[1]).contains("| m | 2 | 0.500 | 0.417 | 0.000/0.000/0.000 | 2 | 0.500 |"),
                (String) r[1]);
    }

    private static String answered(int step, int slot, String parents, int score, String extracted) {
        return line(step, slot, parents, score).replace("}\n", ",\"extracted\":" + extracted + "}\n");
    }

    /**
     * State 1 answers 7 (right), 3, 3, null. Mixed calls: [0,1] answered 3 (= position 2), [2,0,3] answered 7
     * (= position 2), [1,0] answered null (matches nothing). Position shares over 3 mixed calls: 0, 2/3, 0.
     */
    @Test
    void positionSharesCountAnswersEqualToEachShownCandidate() throws Exception {
        Path f = dir.resolve("positions.jsonl");
        Files.writeString(f, answered(1, 0, "[]", 1, "\"7\"") + answered(1, 1, "[]", 0, "\"3\"")
                + answered(1, 2, "[]", 0, "\"3\"") + answered(1, 3, "[]", 0, "null")
                + answered(2, 0, "[0,1]", 0, "\"3\"") + answered(2, 1, "[2,0,3]", 1, "\"7\"")
                + answered(2, 2, "[1,0]", 0, "null"));
        AggregatorStats a = AggregatorStats.read(f);
        assertEquals(3, a.mixed());
        assertEquals(3, a.positionMatch().length);
        assertEquals(0.0, a.positionMatch()[0], 1e-12);
        assertEquals(2.0 / 3, a.positionMatch()[1], 1e-12);
        assertEquals(0.0, a.positionMatch()[2], 1e-12);
    }

    private static String state(int step) {
        return "{\"step\":" + step + ",\"pass@1\":{\"mean\":0.5},\"majority\":{\"mean\":0.5},"
                + "\"pass@n\":{\"mean\":0.5}}";
    }

    @Test
    void noAggregationCallsOrNoFileGiveNullAndAMissingParentIsNamed() throws Exception {
        assertNull(AggregatorStats.read(dir.resolve("missing.jsonl")));
        Path plain = dir.resolve("plain.jsonl");
        Files.writeString(plain, line(1, 0, "[]", 1));
        assertNull(AggregatorStats.read(plain));
        Path allWrong = dir.resolve("wrong.jsonl");
        Files.writeString(allWrong, line(1, 0, "[]", 0) + line(1, 1, "[]", 0) + line(2, 0, "[0,1]", 1));
        AggregatorStats none = AggregatorStats.read(allWrong);
        assertEquals(0, none.mixed());
        assertTrue(Double.isNaN(none.mixedRight()) && Double.isNaN(none.randomPick()));
        assertEquals(1.0, none.noneRightRight(), 1e-12);
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, line(1, 0, "[]", 1) + line(2, 0, "[0,5]", 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AggregatorStats.read(bad));
        assertTrue(e.getMessage().contains("bad.jsonl") && e.getMessage().contains("slot 5"), e.getMessage());
    }
}
