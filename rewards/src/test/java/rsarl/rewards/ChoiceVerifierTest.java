package rsarl.rewards;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChoiceVerifierTest {

    private final ChoiceVerifier v = new ChoiceVerifier();
    private final Problem p = new Problem("q1", "Which?", "C", "choice", List.of("12", "7", "42", "3"), null, null);

    @ParameterizedTest
    @ValueSource(strings = {
            "So the result is \\boxed{C}.",
            "\\boxed{\\text{C}}",
            "\\boxed{(C)}",
            "Reasoning...\nAnswer: C",
            "Reasoning...\nThe answer is (C).",
            "the correct option is C because I checked it",
            "(C)",
            "C",
            "c",
            "C) 42",
            "Thinking done.\nThe answer is 42",
            "<answer>C</answer>",
            "Answer: I think it is C",
            "So the final answer is: I would pick (C).",
    })
    void findsTheChosenLetter(String response) {
        Grade g = v.grade(response, p);
        assertEquals("C", g.extracted(), response);
        assertEquals(1.0, g.score(), response);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "\\boxed{B}",
            "Answer: A",
            "The answer is 7",
    })
    void wrongLetterScoresZero(String response) {
        assertEquals(0.0, v.grade(response, p).score(), response);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "\\boxed{A, B, C, D}",
            "\\boxed{ABCD}",
            "Answer: C or D",
            "The answer is A and C",
            "\\boxed{C \\text{ or } B}",
    })
    void ambiguousAnswersScoreZero(String response) {
        Grade g = v.grade(response, p);
        assertEquals(0.0, g.score(), response);
        assertTrue(g.extracted() != null && g.extracted().contains(","), response + " -> " + g.extracted());
    }

    @Test
    void lastBoxedWins() {
        assertEquals(0.0, v.grade("\\boxed{C} no wait \\boxed{D}", p).score());
    }

    @Test
    void goldMayBeOptionText() {
        Problem textGold = new Problem("q2", "Which?", "42", "choice", List.of("12", "7", "42", "3"), null, null);
        assertEquals(1.0, v.grade("\\boxed{C}", textGold).score());
        Problem boxedGold = new Problem("q3", "Which?", "\\boxed{(B)}", "choice", List.of(), null, null);
        assertEquals(1.0, v.grade("Answer: B", boxedGold).score());
    }

    @Test
    void nothingFound() {
        assertNull(v.extract("I refuse to pick any option here because all of them are plausible in some way, sorry.\nOk.", p));
        assertEquals(0.0, v.grade("", p).score());
    }

    @Test
    void optionIIsStillALetterWhenChosen() {
        Problem ten = new Problem("q", "Which?", "I", "choice", List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), null, null);
        assertEquals(1.0, v.grade("The answer is I.", ten).score());
        assertEquals(1.0, v.grade("\\boxed{I}", ten).score());
    }

    @Test
    void lettersOutsideTheOptionsAreIgnored() {
        assertNull(v.extract("\\boxed{F}", p));
    }
}
