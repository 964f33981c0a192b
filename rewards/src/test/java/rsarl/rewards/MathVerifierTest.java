package rsarl.rewards;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MathVerifierTest {

    private final MathVerifier v = new MathVerifier();

    private double score(String gold, String response) {
        return v.grade(response, Problem.of("p", "q", gold, "math")).score();
    }

    @ParameterizedTest(name = "[{index}] gold {0} ~ {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            // integers, decimals, separators, trailing zeros
            "42 | 42",
            "42 | 42.0",
            "1000000 | 1,000,000",
            "1000 | 1{,}000",
            "\\$1,234.50 | 1234.5",
            "0.5 | .5",
            "-3 | -3.000",
            // fractions
            "\\frac{1}{2} | 0.5",
            "\\frac{1}{2} | 1/2",
            "\\dfrac{3}{4} | \\tfrac34",
            "\\frac{-2}{3} | -\\frac{2}{3}",
            "\\frac{6}{8} | \\frac{3}{4}",
            "2\\frac{1}{2} | \\frac{5}{2}",
            // radicals, pi, exponents
            "2\\sqrt{2} | \\sqrt{8}",
            "\\frac{\\sqrt{3}}{2} | \\frac{1}{2}\\sqrt{3}",
            "\\sqrt[3]{27} | 3",
            "2\\pi | 2 \\pi",
            "\\frac{\\pi}{4} | \\pi/4",
            "2^{10} | 1024",
            "10^{-2} | 0.01",
            "3! | 6",
            "2\\sqrt{2} | 2√2",
            "x^2 | x²",
            // percent, degrees, units, text noise
            "25\\% | 25",
            "25\\% | 0.25",
            "30^\\circ | 30",
            "30^{\\circ} | 30 degrees",
            "5 | 5 \\text{ cm}",
            "12 | 12\\text{ apples}",
            "\\text{(B)} | (B)",
            "\\text{(A)} | A",
            "12\\text{ cm}^2 | 12",
            // left/right, spacing
            "\\left( 1, 2 \\right) | (1,2)",
            "3 \\, 000 | 3000",
            // tuples, sets, lists
            "(1, -2) | \\left(1,-2\\right)",
            "\\{1, 2, 3\\} | \\{3, 1, 2\\}",
            "1, 2 | 2, 1",
            "1, 2 | x = 1 \\text{ or } x = 2",
            "-1, 3 | 3 and -1",
            "2 \\pm \\sqrt{3} | 2+\\sqrt{3}, 2-\\sqrt{3}",
            "-2, 2 | x = \\pm 2",
            "1000000 | 1 000 000",
            // intervals and inequalities
            "(-\\infty, 2] | (-\\infty,2]",
            "[0, 1) \\cup (2, \\infty) | [0,1)\\cup(2,\\infty)",
            "(3, \\infty) | x > 3",
            "[-1, 4] | -1 \\le x \\le 4",
            "(-\\infty, 1) \\cup (1, \\infty) | x \\neq 1",
            // equations
            "3 | x = 3",
            "y = 2x + 1 | y=1+2x",
            "x^2 + y^2 = 1 | y^2 + x^2 = 1",
            // matrices
            "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix} | \\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}",
            "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix} | (1, 2)",
            // symbolic expressions
            "x^2 + 2x + 1 | (x+1)^2",
            "\\frac{x}{2} | 0.5x",
            "2\\sin x \\cos x | \\sin(2x)",
            "\\ln(e^2) | 2",
            "a^2 - b^2 | (a-b)(a+b)",
            // six decimals, as Math-Verify rounds
            "\\frac{1}{3} | 0.3333333333",
            "\\sqrt{2} | 1.414214",
            // plain text
            "\\text{Monday} | monday",
            "yes | Yes.",
    })
    void equivalentForms(String gold, String answer) {
        assertEquals(1.0, score(gold, answer), () -> gold + " vs " + answer);
        assertEquals(1.0, score(gold, "Thus the result is $\\boxed{" + answer + "}$."), () -> "boxed " + answer);
    }

    @ParameterizedTest(name = "[{index}] gold {0} !~ {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "42 | 43",
            "\\frac{1}{3} | 0.333",
            "\\frac{1}{3} | 0.33333",
            "\\sqrt{2} | 1.41421",
            "\\frac{2}{3} | 0.666666",
            "0.000001 | 0.000002",
            "2\\pi | 6.28318",
            "(1, 2) | (2, 1)",
            "[1, 2] | (1, 2)",
            "(1, 2] | (1, 2)",
            "\\{1, 2\\} | \\{1, 2, 3\\}",
            "3 | x > 3",
            "x^2 + 1 | x^2 - 1",
            "1 | 1 or 2",
            "1 | 1, 2",
            "2 | \\frac{4}{3}",
            "25\\% | 0.025",
            "monday | tuesday",
            "no | on",
            "x | -x",
            "6 | 2 3",
            "\\infty | 1/0",
            "2 | 2 \\pm 1",
            "\\text{(C)} | (D)",
            "5 | \\text{five hundred}",
            "5 | ???",
            "1000 | 1,0000",
    })
    void differentAnswers(String gold, String answer) {
        assertEquals(0.0, score(gold, answer), () -> gold + " vs " + answer);
    }

    @Test
    void goldMayBeBoxedOrInDollars() {
        assertEquals(1.0, score("\\boxed{\\frac{1}{2}}", "0.5"));
        assertEquals(1.0, score("$\\frac{1}{2}$", "\\boxed{1/2}"));
        assertEquals(1.0, score("The answer is $\\boxed{7}$.", "7"));
    }

    @Test
    void extractsLastBoxedBraceMatched() {
        Problem p = Problem.of("p", "q", "1", "math");
        assertEquals("\\frac{1}{\\sqrt{2}}", v.extract("first \\boxed{3} then \\boxed{\\frac{1}{\\sqrt{2}}} done", p));
        assertEquals("5", v.extract("so \\boxed 5 is it", p));
        assertEquals("x+1", v.extract("\\fbox{x+1}", p));
        assertNull(v.extract("\\boxed{unbalanced", p));
    }

    @Test
    void extractionFallbacks() {
        Problem p = Problem.of("p", "q", "1", "math");
        assertEquals("\\frac{3}{4}", v.extract("We compute $a=1$ and finally $\\frac{3}{4}$.", p));
        assertEquals("\\sqrt 2", v.extract("Therefore \\[\\sqrt 2\\]", p));
        assertEquals("17", v.extract("Let me think.\nWe get $x = 3$ first.\nThe answer is 17.", p));
        assertEquals("12", v.extract("Long reasoning...\nAnswer: $12$", p));
        assertEquals("3/4", v.extract("3/4", p));
        assertNull(v.extract("I am not sure about this problem at all, it looks hard and I will stop here now ok.\nbye", p));
    }

    @Test
    void onlyTheTextAfterThinkingCountsAndReasonsSayWhy() {
        Problem p = Problem.of("t", "q", "5", "math");
        assertEquals(1.0, v.grade("<think>maybe \\boxed{4}</think>So \\boxed{5}.", p).score());
        Grade unclosed = v.grade("<think>it is \\boxed{5}", p);
        assertEquals(0.0, unclosed.score());
        assertTrue(unclosed.reason().contains("unclosed <think>"), unclosed.reason());
        Grade hedged = v.grade("Is it \\boxed{4}? Possibly \\boxed{5}.", p);
        assertEquals(0.0, hedged.score());
        assertTrue(hedged.reason().contains("hedging"), hedged.reason());
        assertEquals("1, 2", v.extract("The roots are \\boxed{1} and \\boxed{2}.", p));
        assertEquals("5", v.extract("Long work.\nОтвет: 5", p));
        assertEquals("12", v.extract("We counted 3 red and 9 blue.\nSo there are 12 apples in total.", p));
        assertEquals("5", MathVerifier.goldText("Adding gives 2 + 3 = 5, so the answer is 5."));
        assertEquals("x=5", MathVerifier.goldText("$x=5$"));
    }

    @Test
    void rewardHackingScoresZero() {
        // only the last boxed counts, even if an earlier one was right
        assertEquals(0.0, score("5", "Maybe \\boxed{5}? Or \\boxed{6}? Final: \\boxed{7}"));
        assertEquals(0.0, score("1", "\\boxed{1 \\text{ or } 2}"));
        assertEquals(0.0, score("1", "\\boxed{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}"));
        assertEquals(0.0, score("x", "\\boxed{}"));
        assertEquals(0.0, score("5", "We have $x = 5$ so far, hence \\boxed{\\frac{1}{2"), "truncated boxed");
        assertEquals(0.0, score("4", "no answer here, just text that goes on for a long while and never concludes at all..."));
    }

    @Test
    void giantExpressionsFinishQuickly() {
        StringBuilder tower = new StringBuilder("9");
        for (int i = 0; i < 50; i++) {
            tower.append("^9");
        }
        long t0 = System.nanoTime();
        assertEquals(0.0, score("3", "\\boxed{" + tower + "}"));
        StringBuilder nested = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            nested.append("(");
        }
        nested.append("1");
        for (int i = 0; i < 5000; i++) {
            nested.append(")");
        }
        assertEquals(0.0, score("2", nested.toString()));
        StringBuilder sum = new StringBuilder("\\boxed{");
        for (int i = 0; i < 20000; i++) {
            sum.append("x^{99999}!+");
        }
        sum.append("1}");
        assertEquals(0.0, score("1", sum.toString()));
        StringBuilder sets = new StringBuilder("\\{");
        for (int i = 0; i < 60; i++) {
            sets.append(i == 0 ? "" : ",").append("\\{1,2,3,4,5,6,7,8,9\\}");
        }
        sets.append("\\}");
        assertEquals(0.0, score(sets.toString().replace("9\\}", "8\\}"), sets.toString()));
        assertEquals(0.0, score("1", "\\boxed{400!^{400!}}"));
        assertEquals(0.0, score("5", "\\boxed{1} and ".repeat(5000) + "\\boxed{5}"), "five thousand boxes");
        assertEquals(0.0, score("5", "Maybe \\boxed{4}? ".repeat(5000) + "\\boxed{5}"), "hedged thousands of times");
        assertEquals(0.0, score("5", "answer answer ".repeat(20000)), "a cue word repeated");
        assertEquals(0.0, score("55", "\\sum_{k=1}^{100000000} k"), "a sum past the term cap is not evaluated");
        // the elapsed time is reported, not asserted: a slow machine must not fail the build
        System.out.printf("giant-expression cases took %.1f ms%n", (System.nanoTime() - t0) / 1e6);
    }

    @Test
    void equivalentClustersExtractedAnswers() {
        Problem p = Problem.of("p", "q", "1", "math");
        assertTrue(v.equivalent("\\frac{1}{2}", "0.5", p));
        assertTrue(v.equivalent("(1,2)", "\\left(1, 2\\right)", p));
        assertFalse(v.equivalent("\\frac{1}{2}", "\\frac{1}{3}", p));
        assertFalse(v.equivalent("", "", p));
    }

    @Test
    void deterministic() {
        for (int i = 0; i < 3; i++) {
            assertEquals(1.0, score("\\frac{x+1}{x-1}", "(x+1)/(x-1)"));
            assertEquals(0.0, score("\\frac{x+1}{x-1}", "(x-1)/(x+1)"));
        }
    }
}
