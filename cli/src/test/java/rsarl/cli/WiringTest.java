package rsarl.cli;

import org.junit.jupiter.api.Test;
import rsarl.rewards.Problem;
import rsarl.rewards.Verifier;
import rsarl.rewards.puzzle.Puzzles;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WiringTest {

    @Test
    void evalAndCandidatesGradeWithTheRewardsModulesVerifiers() {
        Problem p = Puzzles.problems("arith", 1, 3, 2).get(0);
        Verifier v = Wiring.verifiers().apply(p.task());
        assertEquals(1.0, v.grade("steps\n<answer>" + p.answer() + "</answer>", p).score());
        assertEquals(0.0, v.grade("<answer>" + (Long.parseLong(p.answer()) + 1) + "</answer>", p).score());
        assertEquals(1.0, Wiring.verifiers().apply("math").grade("so \\boxed{\\frac{1}{2}}",
                new Problem("m", "q", "0.5", "math", null, null, null)).score());
    }
}
