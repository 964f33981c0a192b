package rsarl.rollout.rsa;

import java.util.List;

/**
 * Metrics after one population state, averaged over problems (each problem counts once).
 *
 * @param calls            backend calls of this seed so far (all states up to this one)
 * @param promptTokens     prompt tokens of those calls (reported counts only)
 * @param completionTokens completion tokens of those calls (reported counts only)
 * @param meanResponseTokens   per-problem mean response length, averaged; NaN when no counts were reported
 * @param medianResponseTokens per-problem median response length, averaged; NaN likewise
 */
public record StateMetrics(long seed, int step, double pass1, double passN, double majority,
                           double meanResponseTokens, double medianResponseTokens, long calls,
                           long promptTokens, long completionTokens, int problems) {

    /** Averages per-problem metrics; the token means skip problems without reported counts. */
    public static StateMetrics average(long seed, int step, List<ProblemMetrics> perProblem, long calls,
                                       long promptTokens, long completionTokens) {
        int n = perProblem.size();
        return new StateMetrics(seed, step,
                perProblem.stream().mapToDouble(ProblemMetrics::pass1).average().orElse(Double.NaN),
                perProblem.stream().mapToDouble(ProblemMetrics::passN).average().orElse(Double.NaN),
                perProblem.stream().mapToDouble(ProblemMetrics::majority).average().orElse(Double.NaN),
                perProblem.stream().mapToDouble(ProblemMetrics::meanTokens).filter(d -> !Double.isNaN(d))
                        .average().orElse(Double.NaN),
                perProblem.stream().mapToDouble(ProblemMetrics::medianTokens).filter(d -> !Double.isNaN(d))
                        .average().orElse(Double.NaN),
                calls, promptTokens, completionTokens, n);
    }
}
