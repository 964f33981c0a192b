package rsarl.rewards;

import org.junit.jupiter.api.Test;
import rsarl.rewards.bench.RewardBenchCases;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Verifiers are shared between threads by the rollout code: parallel grading must match sequential grading. */
class ConcurrencyTest {

    @Test
    void parallelMathGradingMatchesSequential() {
        String[][] cases = RewardBenchCases.math();
        List<Problem> problems = IntStream.range(0, cases.length)
                .mapToObj(i -> Problem.of("m" + i, "q", cases[i][0], "math")).toList();
        Verifier v = Verifiers.forTask("math");
        int n = 4000;
        double[] seq = new double[n];
        for (int i = 0; i < n; i++) {
            seq[i] = v.grade(cases[i % cases.length][1], problems.get(i % cases.length)).score();
        }
        MathVerifier.clearCache();
        double[] par = new double[n];
        IntStream.range(0, n).parallel().forEach(i -> par[i] = v.grade(cases[i % cases.length][1], problems.get(i % cases.length)).score());
        assertArrayEquals(seq, par);
        double correct = java.util.Arrays.stream(seq).sum();
        assertTrue(correct > 0 && correct < n, "the bench set mixes right and wrong answers");
    }
}
