package rsarl.rewards.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import rsarl.rewards.Grade;
import rsarl.rewards.MathVerifier;
import rsarl.rewards.Problem;
import rsarl.rewards.Verifier;
import rsarl.rewards.Verifiers;
import rsarl.rewards.code.Sandbox;
import rsarl.rewards.puzzle.Puzzles;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Throughput of the verifiers on one thread: math grades per second on a mixed set of typical
 * responses (full outputs and bare answers, right and wrong), choice and puzzle grades per second,
 * and the round-trip time of one code test through the sandbox.
 */
public final class RewardBench {

    private static final String FILLER = "Let us work through the problem step by step. First we set up the "
            + "equation and simplify both sides, then we check the result against the constraints.\n";

    /** {gold, response} pairs mixing answer forms; about a third are wrong. */
    static final String[][] MATH = {
            {"42", FILLER + "So the answer is $\\boxed{42}$."},
            {"42", FILLER + "Therefore \\boxed{41}."},
            {"\\frac{3}{4}", FILLER + "The probability is $\\boxed{\\dfrac{3}{4}}$."},
            {"\\frac{3}{4}", "0.75"},
            {"\\frac{3}{4}", FILLER + "Hence $\\boxed{\\frac{4}{3}}$."},
            {"2\\sqrt{2}", FILLER + "$$\\boxed{\\sqrt{8}}$$"},
            {"\\frac{\\pi}{3}", FILLER + "The angle is $\\boxed{\\frac{\\pi}{3}}$ radians."},
            {"1,000,000", FILLER + "\\boxed{1000000}"},
            {"(1, -2)", FILLER + "The point is $\\boxed{\\left(1, -2\\right)}$."},
            {"\\{1, 3\\}", FILLER + "The solutions are $x = 3$ and $x = 1$, so \\boxed{3, 1}."},
            {"[2, 5)", FILLER + "\\boxed{[2,5)}"},
            {"(-\\infty, 0) \\cup (1, \\infty)", FILLER + "\\boxed{(-\\infty,0)\\cup(1,\\infty)}"},
            {"x^2 + 2x + 1", FILLER + "\\boxed{(x+1)^2}"},
            {"x^2 + 2x + 1", FILLER + "\\boxed{(x-1)^2}"},
            {"25\\%", FILLER + "\\boxed{25}"},
            {"30^\\circ", FILLER + "The angle measures $\\boxed{30^{\\circ}}$."},
            {"12", FILLER + "The final answer is 12."},
            {"7", FILLER + "Answer: $8$"},
            {"\\text{east}", FILLER + "\\boxed{\\text{East}}"},
            {"-\\frac{1}{2}", FILLER + "\\boxed{-0.5}"},
            {"5", "5"},
            {"3", "x = 3"},
            {"\\begin{pmatrix} 1 & 0 \\\\ 0 & 1 \\end{pmatrix}", FILLER + "\\boxed{\\begin{pmatrix}1&0\\\\0&1\\end{pmatrix}}"},
            {"10", FILLER + "\\boxed{2^{10}}"},
    };

    /** The mixed math set (copy). */
    static String[][] mathCases() {
        String[][] c = new String[MATH.length][];
        for (int i = 0; i < MATH.length; i++) {
            c[i] = MATH[i].clone();
        }
        return c;
    }

    private RewardBench() {
    }

    public static Map<String, Object> run(double seconds, int codeRuns) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Problem> mathProblems = new ArrayList<>();
        List<String> mathResponses = new ArrayList<>();
        for (int i = 0; i < MATH.length; i++) {
            mathProblems.add(Problem.of("m" + i, "q", MATH[i][0], "math"));
            mathResponses.add(MATH[i][1]);
        }
        Verifier mathVerifier = Verifiers.forTask("math");
        Verifier uncached = new Verifier() {
            public String extract(String response, Problem problem) {
                return mathVerifier.extract(response, problem);
            }

            public Grade grade(String response, Problem problem) {
                MathVerifier.clearCache();
                return mathVerifier.grade(response, problem);
            }

            public boolean equivalent(String a, String b, Problem problem) {
                return mathVerifier.equivalent(a, b, problem);
            }
        };
        double[] m = rates(uncached, mathProblems, mathResponses, seconds / 2);
        out.put("math_grades_per_sec", Math.round(m[0]));
        out.put("math_grades_per_cpu_sec", Math.round(m[1]));
        double[] cached = rates(mathVerifier, mathProblems, mathResponses, seconds / 2);
        out.put("math_grades_per_sec_cached", Math.round(cached[0]));
        out.put("math_grades_per_cpu_sec_cached", Math.round(cached[1]));
        out.put("math_cases", MATH.length);

        Problem mc = new Problem("c", "q", "C", "choice", List.of("1", "2", "3", "4"), null, null);
        double choice = throughput(Verifiers.forTask("choice"), List.of(mc, mc, mc),
                List.of(FILLER + "The answer is (C).", "\\boxed{B}", "Answer: A or C"), seconds / 3);
        out.put("choice_grades_per_sec", Math.round(choice));

        List<Problem> chain = Puzzles.problems("chain", 50, 1, 2);
        List<String> sols = chain.stream().map(p -> p.metadata().get("solution").asText()).toList();
        out.put("puzzle_chain_grades_per_sec", Math.round(throughput(Verifiers.forTask("puzzle:chain"), chain, sols, seconds / 3)));

        if (Sandbox.ready() && codeRuns > 0) {
            out.put("code_sandbox_isolation", Sandbox.isolation());
            double[] ms = codeRoundTrips(codeRuns);
            Arrays.sort(ms);
            out.put("code_roundtrip_ms_median", round1(ms[ms.length / 2]));
            out.put("code_roundtrip_ms_mean", round1(Arrays.stream(ms).average().orElse(0)));
            out.put("code_runs", codeRuns);
            out.put("code_start_ms_median_by_isolation", startCosts(codeRuns));
        } else {
            out.put("code_roundtrip_ms_median", null);
            out.put("code_skipped", Sandbox.ready() ? "code runs = 0" : Sandbox.refusal());
        }
        out.put("threads", 1);
        return out;
    }

    private static double throughput(Verifier v, List<Problem> problems, List<String> responses, double seconds) {
        return rates(v, problems, responses, seconds)[0];
    }

    /**
     * {grades per wall second, grades per CPU second of this thread}: the second figure is the one-core
     * rate even when other processes compete for the cores.
     */
    private static double[] rates(Verifier v, List<Problem> problems, List<String> responses, double seconds) {
        long warm = System.nanoTime() + (long) (1e9 * Math.min(1, seconds));
        int i = 0;
        while (System.nanoTime() < warm) {
            v.grade(responses.get(i % responses.size()), problems.get(i % problems.size()));
            i++;
        }
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpu0 = mx.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long n = 0;
        double sink = 0;
        while (System.nanoTime() < end) {
            for (int k = 0; k < problems.size(); k++) {
                sink += v.grade(responses.get(k), problems.get(k)).score();
            }
            n += problems.size();
        }
        if (sink < 0) {
            throw new IllegalStateException();
        }
        double wall = (System.nanoTime() - start) / 1e9;
        double cpu = (mx.getCurrentThreadCpuTime() - cpu0) / 1e9;
        return new double[]{n / wall, cpu > 0 ? n / cpu : Double.NaN};
    }

    private static double[] codeRoundTrips(int runs) {
        try {
            JsonNode tests = new ObjectMapper().readTree("[{\"input\": \"3 4\\n\", \"output\": \"7\\n\"}]");
            Problem p = new Problem("code", "add", null, "code", List.of(), tests, null);
            Verifier v = Verifiers.forTask("code");
            String response = "```python\na, b = map(int, input().split())\nprint(a + b)\n```";
            v.grade(response, p); // warm-up
            double[] ms = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                if (v.grade(response, p).score() != 1.0) {
                    throw new IllegalStateException("benchmark code solution failed in the sandbox");
                }
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            return ms;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Median wall time of starting and finishing {@code print(1)} in each isolation mode that works here
     * (unsafe included as the baseline): the set-up cost a mode adds to every test.
     */
    private static Map<String, Double> startCosts(int runs) {
        Map<String, Double> out = new LinkedHashMap<>();
        Sandbox.Limits limits = new Sandbox.Limits(5000, 1L << 30, 4096);
        for (rsarl.rewards.code.SandboxIsolation mode : rsarl.rewards.code.SandboxIsolation.values()) {
            if (!Sandbox.works(mode)) {
                continue;
            }
            Sandbox.runIn(mode, "print(1)", "stdin", null, "", limits); // warm-up
            double[] ms = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                Sandbox.runIn(mode, "print(1)", "stdin", null, "", limits);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(ms);
            out.put(mode.label(), round1(ms[runs / 2]));
        }
        return out;
    }

    private static double round1(double x) {
        return Math.round(x * 10) / 10.0;
    }

    /** Prints the figures as JSON. */
    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        System.out.println(new ObjectMapper().writeValueAsString(run(seconds, runs)));
    }
}
