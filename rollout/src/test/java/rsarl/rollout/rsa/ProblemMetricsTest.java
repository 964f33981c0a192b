package rsarl.rollout.rsa;

import org.junit.jupiter.api.Test;
import rsarl.rewards.Problem;
import rsarl.rollout.BoxedVerifier;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProblemMetricsTest {
    private static final Problem P = Problem.of("p", "q", "7", "math");

    private static List<Generation> population(String... answers) {
        List<Generation> out = new ArrayList<>();
        for (int i = 0; i < answers.length; i++) {
            String a = answers[i];
            double score = a != null && a.strip().equals("7") ? 1 : 0;
            out.add(new Generation("p", 1, 1, i, List.of(), "r", a, score, 5, 10 * (i + 1), "stop"));
        }
        return out;
    }

    @Test
    void hand_computed_case() {
        // answers: 3, 7, 3, null, 7 -> two clusters of size 2 ("3" opened first) -> majority picks 3 (score 0)
        ProblemMetrics m = ProblemMetrics.of(population("3", "7", "3", null, "7"), P, new BoxedVerifier());
        assertEquals(0.4, m.pass1(), 1e-12);
        assertEquals(1.0, m.passN());
        assertEquals(0.0, m.majority());
        assertEquals(30.0, m.meanTokens(), 1e-12);   // 10,20,30,40,50
        assertEquals(30.0, m.medianTokens(), 1e-12);
    }

    @Test
    void largest_cluster_wins_with_equivalence() {
        // " 7" and "7 " are equivalent under the verifier; nulls outnumber them but never win.
        ProblemMetrics m = ProblemMetrics.of(population(null, null, null, "3", " 7", "7 "), P, new BoxedVerifier());
        assertEquals(1.0, m.majority());
        assertEquals(35.0, m.medianTokens(), 1e-12);  // 10..60 -> (30+40)/2
    }

    @Test
    void all_unextractable_scores_first_member() {
        ProblemMetrics m = ProblemMetrics.of(population(null, null), P, new BoxedVerifier());
        assertEquals(0.0, m.majority());
        assertEquals(0.0, m.passN());
        assertEquals(0.0, m.pass1());
    }

    @Test
    void partial_credit_counts_in_pass1_not_passN() {
        List<Generation> pop = List.of(
                new Generation("p", 1, 1, 0, List.of(), "r", "a", 0.5, -1, -1, "stop"),
                new Generation("p", 1, 1, 1, List.of(), "r", "b", 0.25, -1, -1, "stop"));
        ProblemMetrics m = ProblemMetrics.of(pop, P, new BoxedVerifier());
        assertEquals(0.375, m.pass1(), 1e-12);
        assertEquals(0.0, m.passN());
        assertEquals(0.5, m.majority()); // tie of singletons -> lowest slot
        assertEquals(Double.NaN, m.meanTokens());
    }

    @Test
    void tie_goes_to_cluster_with_lowest_first_slot() {
        assertEquals(1, MajorityVote.winner(Arrays.asList(null, "b", "a", "a", "b"), String::equals));
        assertEquals(0, MajorityVote.winner(Arrays.asList("x", "y", "y", "x"), String::equals));
        assertEquals(2, MajorityVote.winner(Arrays.asList("x", "y", "z", "z"), String::equals));
    }

    @Test
    void state_average_counts_each_problem_once() {
        StateMetrics s = StateMetrics.average(1, 2, List.of(
                new ProblemMetrics(1.0, 1, 1, 10, 10), new ProblemMetrics(0.5, 1, 0, Double.NaN, Double.NaN),
                new ProblemMetrics(0.0, 0, 0, 30, 20)), 48, 100, 200);
        assertEquals(0.5, s.pass1(), 1e-12);
        assertEquals(2.0 / 3, s.passN(), 1e-12);
        assertEquals(1.0 / 3, s.majority(), 1e-12);
        assertEquals(20.0, s.meanResponseTokens(), 1e-12);
        assertEquals(15.0, s.medianResponseTokens(), 1e-12);
        assertEquals(3, s.problems());
    }
}
