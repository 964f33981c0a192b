package rsarl.rewards.code;

import rsarl.rewards.Grade;
import rsarl.rewards.Problem;
import rsarl.rewards.Verifier;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Code: the last fenced python block run against every test in the {@link Sandbox}; reward 1 only
 * when all tests pass (it stops at the first failure). Where python or every sandbox isolation is missing,
 * grading throws with one line saying why (see {@link SandboxIsolation} for the opt-in).
 */
public final class CodeVerifier implements Verifier {

    private static final Pattern FENCE = Pattern.compile("```[ \\t]*([A-Za-z0-9_+-]*)[^\\n]*\\n(.*?)```", Pattern.DOTALL);

    /** Exit status of a process killed by SIGXCPU (its CPU-seconds limit). */
    private static final int SIGXCPU_EXIT = 128 + 24;

    private final Sandbox.Limits limits;

    public CodeVerifier() {
        this(Sandbox.Limits.DEFAULT);
    }

    public CodeVerifier(Sandbox.Limits limits) {
        this.limits = limits;
    }

    @Override
    public String extract(String response, Problem problem) {
        if (response == null) {
            return null;
        }
        Matcher m = FENCE.matcher(response);
        String lastPython = null;
        String lastAny = null;
        while (m.find()) {
            String lang = m.group(1).toLowerCase();
            lastAny = m.group(2);
            if (lang.equals("python") || lang.equals("py") || lang.equals("python3")) {
                lastPython = m.group(2);
            }
        }
        if (lastPython != null) {
            return lastPython;
        }
        if (lastAny != null) {
            return lastAny;
        }
        // a bare answer: the response is the code itself
        String t = response.strip();
        return !t.contains("```") && (t.contains("def ") || t.contains("print(") || t.contains("input(")) ? t : null;
    }

    @Override
    public Grade grade(String response, Problem problem) {
        String code = extract(response, problem);
        if (code == null || code.isBlank()) {
            return new Grade(0, null, "no python code block found");
        }
        List<CodeTests.Case> cases;
        try {
            cases = CodeTests.parse(problem.tests());
        } catch (IllegalArgumentException e) {
            return new Grade(0, code, e.getMessage());
        }
        String refusal = Sandbox.refusal();
        if (refusal != null) {
            throw new IllegalStateException(refusal); // refused, not a silent 0 for every response
        }
        for (int i = 0; i < cases.size(); i++) {
            String failure = runOne(code, cases.get(i));
            if (failure != null) {
                return new Grade(0, code, "test " + (i + 1) + "/" + cases.size() + " failed: " + failure);
            }
        }
        return new Grade(1, code, "all " + cases.size() + " tests passed");
    }

    /** Null when the case passes, else why it failed. */
    private String runOne(String code, CodeTests.Case c) {
        Sandbox.Result r;
        if (c instanceof CodeTests.Stdio s) {
            r = Sandbox.run(code, "stdin", null, s.input(), limits);
        } else {
            r = Sandbox.run(code, c instanceof CodeTests.Call ? "call" : "assert", CodeTests.caseJson(c), "", limits);
        }
        // SIGXCPU at the CPU soft limit; SIGKILL at the hard limit (one second later) when the first did not end it
        if (r.timedOut() || r.exitCode() == SIGXCPU_EXIT || r.exitCode() == Sandbox.SIGKILL_EXIT) {
            return "time limit exceeded";
        }
        if (r.outputCapped()) {
            return "output limit exceeded";
        }
        if (r.exitCode() == 3) {
            return "wrong answer: " + lastLine(r.stderrTail());
        }
        if (r.exitCode() != 0) {
            return "runtime error (exit " + r.exitCode() + "): " + lastLine(r.stderrTail());
        }
        if (c instanceof CodeTests.Stdio s && !sameOutput(r.stdout(), s.output())) {
            return "wrong output";
        }
        return null;
    }

    private static String lastLine(String s) {
        String t = s.strip();
        int nl = t.lastIndexOf('\n');
        return nl < 0 ? t : t.substring(nl + 1);
    }

    /** Lines compared without trailing spaces and trailing blank lines; else token by token. */
    static boolean sameOutput(String got, String want) {
        if (canonicalLines(got).equals(canonicalLines(want))) {
            return true;
        }
        return List.of(got.strip().split("\\s+")).equals(List.of(want.strip().split("\\s+")));
    }

    private static String canonicalLines(String s) {
        StringBuilder sb = new StringBuilder();
        for (String line : s.replace("\r\n", "\n").split("\n")) {
            sb.append(line.stripTrailing()).append('\n');
        }
        return sb.toString().strip();
    }

    @Override
    public boolean equivalent(String a, String b, Problem problem) {
        return canonicalLines(a).equals(canonicalLines(b));
    }
}
