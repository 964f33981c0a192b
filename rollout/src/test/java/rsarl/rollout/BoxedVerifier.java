package rsarl.rollout;

import rsarl.rewards.Grade;
import rsarl.rewards.Problem;
import rsarl.rewards.Verifier;

/** Test-only verifier: the answer is the content of the last \boxed{...}; equivalence ignores case and spaces. */
public final class BoxedVerifier implements Verifier {
    @Override
    public String extract(String response, Problem problem) {
        int at = response.lastIndexOf("\\boxed{");
        if (at < 0) {
            return null;
        }
        int end = response.indexOf('}', at);
        return end < 0 ? null : response.substring(at + 7, end).strip();
    }

    @Override
    public Grade grade(String response, Problem problem) {
        String x = extract(response, problem);
        if (x == null) {
            return new Grade(0, null, "no \\boxed{}");
        }
        return new Grade(equivalent(x, problem.answer(), problem) ? 1 : 0, x, "");
    }

    @Override
    public boolean equivalent(String a, String b, Problem problem) {
        return a.replace(" ", "").equalsIgnoreCase(b.replace(" ", ""));
    }
}
