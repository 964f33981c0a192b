package rsarl.rewards.bench;

/** The benchmark's mixed math set, for tests and other benchmarks. */
public final class RewardBenchCases {
    private RewardBenchCases() {
    }

    /** {gold, response} pairs: full outputs and bare answers in many answer forms, some wrong. */
    public static String[][] math() {
        return RewardBench.mathCases();
    }
}
