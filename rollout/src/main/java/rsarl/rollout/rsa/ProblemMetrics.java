package rsarl.rollout.rsa;

import rsarl.rewards.Problem;
import rsarl.rewards.Verifier;

import java.util.Arrays;
import java.util.List;

/**
 * The metrics of one problem's population at one state.
 *
 * @param pass1        mean score over the population (the paper's pass@1)
 * @param passN        1 if any member scores 1 (partial credit does not count), else 0
 * @param majority     score of the majority-vote answer
 * @param meanTokens   mean response tokens over members with a known count (NaN if none)
 * @param medianTokens median of the same (NaN if none)
 */
public record ProblemMetrics(double pass1, double passN, double majority, double meanTokens, double medianTokens) {

    /** Computes the metrics of a population given in slot order. */
    public static ProblemMetrics of(List<Generation> population, Problem problem, Verifier verifier) {
        if (population.isEmpty()) {
            throw new IllegalArgumentException("empty population for problem " + problem.id());
        }
        double sum = 0;
        boolean any = false;
        for (Generation g : population) {
            sum += g.score();
            any |= g.score() >= 1.0;
        }
        List<String> answers = population.stream().map(Generation::extracted).toList();
        int winner = MajorityVote.winner(answers, (a, b) -> a.equals(b) || verifier.equivalent(a, b, problem));
        double[] tokens = population.stream().mapToInt(Generation::completionTokens).filter(t -> t >= 0)
                .asDoubleStream().sorted().toArray();
        return new ProblemMetrics(sum / population.size(), any ? 1 : 0, population.get(winner).score(),
                mean(tokens), median(tokens));
    }

    static double mean(double[] values) {
        return values.length == 0 ? Double.NaN : Arrays.stream(values).sum() / values.length;
    }

    /** Median of sorted values. */
    static double median(double[] sorted) {
        int n = sorted.length;
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
