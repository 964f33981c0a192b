package rsarl.rewards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Agreement with the reference verdicts (Math-Verify's behaviour, our own examples) on a mixed set grouped
 * by the kind of case: extraction, gold normalisation, several boxed, relations, LaTeX noise, values,
 * structures, other-language cues, multiple choice and reward hacking. Prints agreement per group.
 */
class AgreementSetTest {

    /** One case: the verifier task, gold, response, options and the reference verdict. */
    record Case(String group, String task, String gold, String response, List<String> options, int expected) {
        Problem problem() {
            return new Problem("agree", "q", gold, task, options, null, null);
        }
    }

    static List<Case> load() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<Case> out = new ArrayList<>();
        try (InputStream in = AgreementSetTest.class.getResourceAsStream("/agreement/math-choice.jsonl");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode o = json.readTree(line);
                List<String> options = new ArrayList<>();
                o.path("options").forEach(n -> options.add(n.asText()));
                out.add(new Case(o.get("group").asText(), o.get("task").asText(), o.get("gold").asText(),
                        o.get("response").asText(), options, o.get("expected").asInt()));
            }
        }
        return out;
    }

    @Test
    void agreesWithReferenceVerdicts() throws Exception {
        List<Case> cases = load();
        Map<String, int[]> byGroup = new TreeMap<>(); // {agree, total}
        List<String> falseAccepts = new ArrayList<>();
        List<String> misses = new ArrayList<>();
        int agree = 0;
        for (Case c : cases) {
            Grade g = Verifiers.forTask(c.task()).grade(c.response(), c.problem());
            int got = g.correct() ? 1 : 0;
            int[] s = byGroup.computeIfAbsent(c.group(), k -> new int[2]);
            s[1]++;
            String what = c.group() + ": gold " + c.gold() + " | " + c.response().replace("\n", "\\n")
                    + " -> " + g.extracted() + " (" + g.reason() + ")";
            if (got == c.expected()) {
                s[0]++;
                agree++;
            } else if (got == 1) {
                falseAccepts.add(what);
            } else {
                misses.add(what);
            }
        }
        StringBuilder report = new StringBuilder("agreement per group:\n");
        byGroup.forEach((k, s) -> report.append(String.format("  %-11s %3d/%3d  %5.1f%%%n", k, s[0], s[1], 100.0 * s[0] / s[1])));
        double overall = 100.0 * agree / cases.size();
        report.append(String.format("  %-11s %3d/%3d  %5.1f%%%n", "overall", agree, cases.size(), overall));
        misses.forEach(x -> report.append("  missed: ").append(x).append('\n'));
        falseAccepts.forEach(x -> report.append("  FALSE ACCEPT: ").append(x).append('\n'));
        System.out.print(report);
        assertTrue(falseAccepts.isEmpty(), report::toString);
        assertTrue(overall >= 93.0, report::toString);
        byGroup.forEach((k, s) -> {
            double pct = 100.0 * s[0] / s[1];
            assertTrue(pct >= (k.equals("choice") ? 95.0 : 97.0), () -> k + " below target\n" + report);
        });
    }
}
