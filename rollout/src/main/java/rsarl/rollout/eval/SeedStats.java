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
            return of(states.stream().mapToDouble(metric).filter(d -> !Double.isNaN(d)).toArray());
        }

        /** Mean and sample standard deviation (0 for one value, NaN for none); also used by the sweep summary. */
        public static Stat of(double[] v) {
            if (v.length == 0) {
                return new Stat(Double.NaN, Double.NaN);
            }
            org.apache.commons.math3.stat.descriptive.DescriptiveStatistics d =
                    new org.apache.commons.math3.stat.descriptive.DescriptiveStatistics(v);
            return new Stat(d.getMean(), d.getStandardDeviation());
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
