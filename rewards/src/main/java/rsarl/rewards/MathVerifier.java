package rsarl.rewards;

import rsarl.rewards.math.AnswerCues;
import rsarl.rewards.math.AnswerParser;
import rsarl.rewards.math.Expr;
import rsarl.rewards.math.LatexNormalizer;
import rsarl.rewards.math.MathAnswer;
import rsarl.rewards.math.MathEquivalence;
import rsarl.rewards.math.MathExtractor;

import org.apache.commons.math3.fraction.BigFraction;

/**
 * Math answers: the last {@code \boxed{}} (or math span, answer line, bare answer) compared with the
 * gold answer by mathematical equivalence. Binary reward; unparseable never counts as correct.
 */
public final class MathVerifier implements Verifier {

    /** A normalized, parsed answer (immutable, so it can be shared between threads). */
    private record Parsed(String text, boolean percent, MathAnswer answer) {
    }

    /** Gold answers and RSA populations repeat the same strings: parse each short string once. */
    private static final int CACHE_MAX_ENTRIES = 8192;
    private static final int CACHE_MAX_KEY = 256;
    private static final java.util.concurrent.ConcurrentHashMap<String, Parsed> CACHE = new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.concurrent.ConcurrentHashMap<String, String> GOLD_CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    /** Equal once brackets, punctuation, spaces and case are dropped (signs and operators stay); needs a letter. */
    private static boolean looseTextEqual(String a, String b) {
        String x = lettersAndDigits(a);
        return x.chars().anyMatch(Character::isLetter) && x.equals(lettersAndDigits(b));
    }

    private static String lettersAndDigits(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ("()[]{}.,;:!?'\"` \\".indexOf(c) < 0) {
                sb.append(Character.toLowerCase(c));
            }
        }
        return sb.toString();
    }

    /** Forgets cached parses (benchmarks use it to measure the uncached path). */
    public static void clearCache() {
        CACHE.clear();
        GOLD_CACHE.clear();
    }

    private static Parsed parse(String raw) {
        Parsed p = raw.length() <= CACHE_MAX_KEY ? CACHE.get(raw) : null;
        if (p != null) {
            return p;
        }
        LatexNormalizer.Normalized n = LatexNormalizer.normalize(raw);
        p = new Parsed(n.text(), n.percent(), n.text().isEmpty() ? null : AnswerParser.parse(n.text()));
        if (raw.length() <= CACHE_MAX_KEY) {
            if (CACHE.size() >= CACHE_MAX_ENTRIES) {
                CACHE.clear();
            }
            CACHE.put(raw, p);
        }
        return p;
    }

    private static final Expr HUNDRED = new Expr.Num(new BigFraction(100));

    @Override
    public String extract(String response, Problem problem) {
        return MathExtractor.extract(response);
    }

    @Override
    public Grade grade(String response, Problem problem) {
        MathExtractor.Extraction x = MathExtractor.extractDetailed(response);
        String extracted = x.answer();
        if (extracted == null || extracted.isBlank()) {
            return new Grade(0, null, x.problem() != null ? x.problem() : "no final answer found");
        }
        String gold = problem.answer() == null ? null : goldText(problem.answer());
        if (gold == null || gold.isBlank()) {
            return new Grade(0, extracted, "problem has no gold answer");
        }
        boolean ok = matches(gold, extracted);
        return new Grade(ok ? 1 : 0, extracted, ok ? "equivalent to gold" : "not equivalent to gold");
    }

    @Override
    public String goldExtracted(Problem problem) {
        return problem.answer() == null ? null : goldText(problem.answer());
    }

    @Override
    public boolean equivalent(String extractedA, String extractedB, Problem problem) {
        // symmetric for clustering: either side may play the gold (it decides e.g. inequality-as-interval)
        return matches(extractedA, extractedB) || matches(extractedB, extractedA);
    }

    /**
     * The gold through the same extraction as a response: bare, in $..$, inside \\boxed{} or a whole worked
     * solution (its boxed answer, answer cue, last math or closing number); a short gold stays as written.
     */
    public static String goldText(String gold) {
        String cached = gold.length() <= CACHE_MAX_KEY ? GOLD_CACHE.get(gold) : null;
        if (cached != null) {
            return cached;
        }
        String g = readGold(gold.strip());
        if (gold.length() <= CACHE_MAX_KEY) {
            if (GOLD_CACHE.size() >= CACHE_MAX_ENTRIES) {
                GOLD_CACHE.clear();
            }
            GOLD_CACHE.put(gold, g);
        }
        return g;
    }

    private static String readGold(String g) {
        if (g.length() <= MathExtractor.MAX_BARE_LENGTH && g.indexOf('\n') < 0 && !g.contains("\\boxed")
                && !g.contains("\\fbox") && !g.contains("<think>") && AnswerCues.lastCue(g) == null) {
            return LatexNormalizer.stripDelimiters(g);
        }
        String x = MathExtractor.extract(g);
        return x != null ? x : g;
    }

    /** Whether {@code answer} is mathematically the same as {@code gold}. */
    public static boolean matches(String gold, String answer) {
        Parsed g = parse(gold);
        Parsed x = parse(answer);
        if (x.text().isEmpty() || g.text().isEmpty()) {
            return false;
        }
        MathAnswer ga = g.answer();
        MathAnswer xa = x.answer();
        if (MathEquivalence.equivalent(ga, xa)) {
            return true;
        }
        if ((ga instanceof MathAnswer.Text || xa instanceof MathAnswer.Text) && looseTextEqual(g.text(), x.text())) {
            return true; // "\text{(B)}" vs "B": same words once brackets and punctuation are gone
        }
        // 25% may be answered as 0.25 (and 0.25 as 25%): only a percent sign on one side allows the scaling
        if (g.percent() != x.percent()) {
            if (g.percent() && ga instanceof MathAnswer.Scalar s) {
                return MathEquivalence.equivalent(new MathAnswer.Scalar(new Expr.Bin('/', s.expr(), HUNDRED)), xa);
            }
            if (x.percent() && xa instanceof MathAnswer.Scalar s) {
                return MathEquivalence.equivalent(ga, new MathAnswer.Scalar(new Expr.Bin('/', s.expr(), HUNDRED)));
            }
        }
        return false;
    }
}
