package rsarl.rewards;

/** Plain text answers: normalized exact match (case, punctuation and spacing ignored). */
public final class GeneralVerifier implements Verifier {

    @Override
    public String extract(String response, Problem problem) {
        return TextAnswers.extractGeneric(response);
    }

    @Override
    public Grade grade(String response, Problem problem) {
        String extracted = extract(response, problem);
        if (extracted == null || extracted.isBlank()) {
            return new Grade(0, null, "no answer found");
        }
        if (problem.answer() == null) {
            return new Grade(0, extracted, "problem has no gold answer");
        }
        String gold = goldExtracted(problem);
        boolean ok = equivalent(gold, extracted, problem);
        return new Grade(ok ? 1 : 0, extracted, ok ? "matches gold text" : "differs from gold text");
    }

    /** The gold as written, or the content of its \\boxed{} (text golds are not mined for numbers). */
    @Override
    public String goldExtracted(Problem problem) {
        if (problem.answer() == null) {
            return null;
        }
        String boxed = rsarl.rewards.math.MathExtractor.lastBoxed(problem.answer());
        return boxed != null ? boxed : problem.answer();
    }

    @Override
    public boolean equivalent(String a, String b, Problem problem) {
        String x = TextAnswers.normalize(a);
        return !x.isEmpty() && x.equals(TextAnswers.normalize(b));
    }
}
