package rsarl.rewards;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import rsarl.rewards.puzzle.Puzzle;
import rsarl.rewards.puzzle.PuzzleFamily;
import rsarl.rewards.puzzle.Puzzles;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PuzzlesTest {

    static List<String> families() {
        return Puzzles.families();
    }

    @Test
    void hasTheRequiredFamilies() {
        assertTrue(Puzzles.families().containsAll(List.of("arith", "chain", "countdown", "sort", "letter_count", "reverse", "copy",
                "modarith", "modsolve", "modcheck")));
    }

    @ParameterizedTest
    @MethodSource("families")
    void referenceSolutionsScoreOneAtEveryDifficulty(String family) {
        for (int d = 1; d <= 4; d++) {
            List<Problem> problems = Puzzles.problems(family, 40, 7, d);
            Verifier v = Verifiers.forTask("puzzle:" + family);
            for (Problem p : problems) {
                String solution = p.metadata().get("solution").asText();
                assertTrue(solution.endsWith("<answer>" + p.answer() + "</answer>"), solution);
                Grade g = v.grade(solution, p);
                assertEquals(1.0, g.score(), () -> p.prompt() + "\n" + solution);
                assertEquals(p.answer(), g.extracted());
                assertTrue(v.grade("<answer>" + p.answer() + "x9</answer>", p).score() < 1.0, p.prompt());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("families")
    void seededAndDeterministic(String family) {
        List<Puzzle> a = Puzzles.generate(family, 20, 42, 2);
        List<Puzzle> b = Puzzles.generate(family, 20, 42, 2);
        List<Puzzle> c = Puzzles.generate(family, 20, 43, 2);
        assertEquals(a, b);
        assertNotEquals(a, c);
        assertEquals(a.subList(0, 10), Puzzles.generate(family, 10, 42, 2));
    }

    @Test
    void difficultyOneIsShort() {
        for (String f : List.of("arith", "chain", "sort")) {
            for (Puzzle p : Puzzles.generate(f, 50, 1, 1)) {
                assertTrue(p.question().length() < 110, p.question());
                assertTrue(p.answer().length() <= 12, p.answer());
            }
        }
    }

    @Test
    void copyScoresOnlyTheExactTextUpToSpacing() {
        Problem p = Puzzles.problems("copy", 1, 3, 1).get(0);
        String text = p.answer();
        assertTrue(p.prompt().startsWith("Repeat exactly: " + text + "."), p.prompt());
        Verifier v = Verifiers.forTask("puzzle:copy");
        assertEquals(1.0, v.grade("<answer> " + text.replace(" ", "  ") + "</answer>", p).score());
        String dropped = text.substring(text.indexOf(' ') + 1);
        assertEquals(0.0, v.grade("<answer>" + dropped + "</answer>", p).score(), "first item missing");
        assertNotEquals(text, Puzzles.problems("copy", 2, 3, 1).get(1).answer(), "random items per puzzle");
    }

    @Test
    void modarithStepsAreDigitsAndTheAnswerIsTheExpressionModTen() {
        for (int d = 1; d <= 3; d++) {
            for (Problem p : Puzzles.problems("modarith", 60, 5, d)) {
                String expression = p.metadata().get("expression").asText();
                String[] tokens = expression.split(" ");
                assertEquals(2 * (d + 1) + 1, tokens.length, expression);
                assertTrue(p.prompt().startsWith("Calculate " + expression + " modulo 10."), p.prompt());
                // Plain integer evaluation with precedence (a sum of signed products), reduced only at the end.
                long value = 0;
                long sign = 1;
                long product = Long.parseLong(tokens[0]);
                for (int i = 1; i < tokens.length; i += 2) {
                    long b = Long.parseLong(tokens[i + 1]);
                    if (tokens[i].equals("*")) {
                        product *= b;
                    } else {
                        value += sign * product;
                        sign = tokens[i].equals("+") ? 1 : -1;
                        product = b;
                    }
                }
                value += sign * product;
                assertEquals(Long.toString(Math.floorMod(value, 10)), p.answer(), expression);
                String solution = p.metadata().get("solution").asText();
                String[] lines = solution.split("\n");
                assertEquals(d + 2, lines.length, solution);
                for (int i = 0; i <= d; i++) {
                    String result = lines[i].substring(lines[i].indexOf('=') + 1);
                    assertTrue(result.matches("[0-9]"), "every step reduced to a digit: " + solution);
                }
            }
        }
        Problem p = Puzzles.problems("modarith", 1, 5, 1).get(0);
        Verifier v = Verifiers.forTask("puzzle:modarith");
        long answer = Long.parseLong(p.answer());
        assertEquals(0.0, v.grade("<answer>" + (answer + 10) + "</answer>", p).score(), "the residue, not a congruent number");
    }

    @Test
    void modsolveHasOneRightDigitAndEveryAttemptShowsWhetherItHitsTheTarget() {
        PuzzleFamily family = Puzzles.family("modsolve");
        Verifier v = Verifiers.forTask("puzzle:modsolve");
        for (int d = 1; d <= 3; d++) {
            for (Problem p : Puzzles.problems("modsolve", 40, 9, d)) {
                long target = p.metadata().get("target").asLong();
                assertTrue(p.prompt().startsWith("Find the digit x with x * "), p.prompt());
                assertTrue(p.prompt().contains(" = " + target + " modulo 10."), p.prompt());
                int hits = 0;
                for (int g = 0; g < 10; g++) {
                    String attempt = family.attempt(p.metadata(), Integer.toString(g));
                    String[] lines = attempt.split("\n");
                    assertEquals("x=" + g, lines[0]);
                    assertEquals(d + 3, lines.length, attempt);
                    String last = lines[lines.length - 2];
                    boolean hit = last.endsWith("=" + target);
                    boolean right = v.grade(attempt, p).score() == 1.0;
                    assertEquals(right, hit, "the check shows whether the guess is right: " + attempt);
                    hits += right ? 1 : 0;
                    if (right) {
                        assertEquals(p.metadata().get("solution").asText(), attempt);
                    }
                }
                assertEquals(1, hits, "exactly one digit solves " + p.prompt());
            }
        }
        assertEquals(null, Puzzles.family("arith").attempt(Puzzles.problems("arith", 1, 1, 1).get(0).metadata(), "3"),
                "families without a guess-and-check form have no attempts");
    }

    @Test
    void modcheckAttemptsAreModsolvesWithAnHonestVerdictLine() {
        PuzzleFamily check = Puzzles.family("modcheck");
        PuzzleFamily solve = Puzzles.family("modsolve");
        Verifier v = Verifiers.forTask("puzzle:modcheck");
        for (int d = 1; d <= 3; d++) {
            List<Problem> checks = Puzzles.problems("modcheck", 30, 4, d);
            List<Problem> solves = Puzzles.problems("modsolve", 30, 4, d);
            for (int i = 0; i < checks.size(); i++) {
                Problem p = checks.get(i);
                assertEquals(solves.get(i).prompt(), p.prompt(), "same puzzles as modsolve for the same seed");
                long target = p.metadata().get("target").asLong();
                int yes = 0;
                for (int g = 0; g < 10; g++) {
                    String attempt = check.attempt(p.metadata(), Integer.toString(g));
                    String[] lines = attempt.split("\n");
                    String[] plain = solve.attempt(solves.get(i).metadata(), Integer.toString(g)).split("\n");
                    assertEquals(plain.length + 1, lines.length, attempt);
                    String last = plain[plain.length - 2];
                    String value = last.substring(last.lastIndexOf('=') + 1);
                    boolean right = v.grade(attempt, p).score() == 1.0;
                    assertEquals(value + "=" + target + (right ? " yes " : " no ") + g, lines[lines.length - 2], attempt);
                    yes += right ? 1 : 0;
                    if (right) {
                        assertEquals(p.metadata().get("solution").asText(), attempt);
                    }
                }
                assertEquals(1, yes, "exactly one digit gets 'yes' in " + p.prompt());
            }
        }
    }

    @Test
    void countdownAcceptsAnyValidExpression() {
        Problem p = ProblemFixtures.countdown(List.of(3, 5, 7), 22);
        Verifier v = Verifiers.forTask("puzzle:countdown");
        assertEquals(1.0, v.grade("<answer>3 * 5 + 7</answer>", p).score());
        assertEquals(1.0, v.grade("<answer>7 + 5 * 3 = 22</answer>", p).score());
        assertEquals(1.0, v.grade("<answer>(7+5*3)</answer>", p).score());
        assertEquals(0.0, v.grade("<answer>22</answer>", p).score(), "numbers not used");
        assertEquals(0.0, v.grade("<answer>3 * 5 + 7 + 0</answer>", p).score(), "extra number");
        assertEquals(0.0, v.grade("<answer>3 * 7 + 5</answer>", p).score(), "wrong value");
        assertEquals(0.0, v.grade("<answer>3 ^ 5 + 7</answer>", p).score(), "forbidden op");
    }

    @Test
    void chainGivesPartialCreditForCorrectLeadingSteps() {
        Problem p = Puzzles.problems("chain", 1, 5, 2).get(0);
        List<Long> want = parse(p.answer());
        Verifier v = Verifiers.forTask("puzzle:chain");
        assertEquals(3, want.size());
        String firstRight = want.get(0) + ", " + (want.get(1) + 1) + ", " + want.get(2);
        assertEquals(1.0 / 3, v.grade("<answer>" + firstRight + "</answer>", p).score(), 1e-12);
        String twoRight = want.get(0) + ", " + want.get(1) + ", " + (want.get(2) + 1);
        assertEquals(2.0 / 3, v.grade("<answer>" + twoRight + "</answer>", p).score(), 1e-12);
        assertEquals(0.75, v.grade("<answer>" + p.answer() + ", 5</answer>", p).score(), 1e-12);
    }

    @Test
    void sortPartialCreditOnlyForPermutations() {
        Problem p = Puzzles.problems("sort", 1, 3, 2).get(0);
        List<Long> want = parse(p.answer());
        Verifier v = Verifiers.forTask("puzzle:sort");
        StringBuilder rev = new StringBuilder();
        for (int i = want.size() - 1; i >= 0; i--) {
            rev.append(want.get(i)).append(i == 0 ? "" : ", ");
        }
        double s = v.grade("<answer>" + rev + "</answer>", p).score();
        assertTrue(s < 0.5, "reversed: " + s);
        assertEquals(0.0, v.grade("<answer>1000, 2000, 3000, 4000</answer>", p).score());
    }

    @Test
    void lastAnswerTagCountsAndBareAnswersAreAccepted() {
        Problem p = Puzzles.problems("arith", 1, 9, 1).get(0);
        Verifier v = Verifiers.forTask("puzzle:arith");
        assertEquals(0.0, v.grade("<answer>" + p.answer() + "</answer> no: <answer>99999</answer>", p).score());
        assertEquals(1.0, v.grade(p.answer(), p).score());
    }

    @Test
    void unknownFamilyIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Verifiers.forTask("puzzle:nope"));
        assertTrue(e.getMessage().contains("countdown"), e.getMessage());
    }

    private static List<Long> parse(String s) {
        return java.util.Arrays.stream(s.split(",\\s*")).map(Long::parseLong).toList();
    }
}
