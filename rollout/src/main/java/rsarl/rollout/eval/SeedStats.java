package rsarl.rollout.eval;

import rsarl.rollout.rsa.StateMetrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * Mean and standard deviation across seeds of each state's metrics. The deviation is the sample
 * one (n-1 in the denominator), 0 for a single seed.
 */
public record SeedStats(int step, int seeds, Stat pass1, Stat passN, Stat majority, Stat meanResponseTokens,
                        Stat medianResponseTokens, Stat calls, Stat completionTokens) {

    public record Stat(double mean, double std) {
        static Stat of(List<StateMetrics> states, ToDoubleFunction<StateMetrics> metric) {
            double[] v = states.stream().mapToDouble(metric).filter(d -> !Double.isNaN(d)).toArray();
            if (v.length == 0) {
                return new Stat(Double.NaN, Double.NaN);
            }
            double mean = 0;
            for (double x : v) {
                mean += x;
            }
            mean /= v.length;
            double ss = 0;
            for (double x : v) {
                ss += (x - mean) * (x - mean);
            }
            return new Stat(mean, v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : 0);
        }
    }

    /** One entry per step, in step order. */
    public static List<SeedStats> of(List<StateMetrics> all) {
        Map<Integer, List<StateMetrics>> byStep = new TreeMap<>();
        for (StateMetrics m : all) {
            byStep.computeIfAbsent(m.step(), s -> new ArrayList<>()).add(m);
        }
        List<SeedStats> out = new ArrayList<>();
        byStep.forEach((step, states) -> out.add(new SeedStats(step, states.size(),
                Stat.of(states, StateMetrics::pass1), Stat.of(states, StateMetrics::passN),
                Stat.of(states, StateMetrics::majority), Stat.of(states, StateMetrics::meanResponseTokens),
                Stat.of(states, StateMetrics::medianResponseTokens), Stat.of(states, m -> m.calls()),
                Stat.of(states, m -> m.completionTokens()))));
        return out;
    }
}
