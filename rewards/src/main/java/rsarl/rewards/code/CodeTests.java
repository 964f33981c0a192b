package rsarl.rewards.code;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Test cases of a code problem, read from the formats datasets use:
 * <ul>
 *   <li>{@code {"inputs": [...], "outputs": [...]}} (APPS / TACO / verl; with {@code "fn_name"} they are
 *       argument lists and return values, else stdin and expected stdout);</li>
 *   <li>a list of {@code {"input": "...", "output": "..."}} (stdin/stdout);</li>
 *   <li>a list of {@code {"fn_name": "f", "args": [...], "expected": ...}} (function calls);</li>
 *   <li>a list of strings: assert statements (MBPP style);</li>
 *   <li>{@code {"test": "def check(candidate): ...", "entry_point": "f"}} (HumanEval);</li>
 *   <li>any of these as a JSON string.</li>
 * </ul>
 */
public final class CodeTests {

    /** One test: how to run it and what counts as a pass. */
    public sealed interface Case permits Stdio, Call, Assert {
    }

    public record Stdio(String input, String output) implements Case {
    }

    public record Call(String fnName, JsonNode args, JsonNode expected) implements Case {
    }

    public record Assert(String statement) implements Case {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private CodeTests() {
    }

    /** @throws IllegalArgumentException naming what is wrong with the tests field */
    public static List<Case> parse(JsonNode tests) {
        if (tests == null || tests.isNull() || tests.isMissingNode()) {
            throw new IllegalArgumentException("code problem has no tests");
        }
        if (tests.isTextual()) {
            try {
                return parse(JSON.readTree(tests.asText()));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("tests string is not JSON: " + e.getOriginalMessage());
            }
        }
        List<Case> out = new ArrayList<>();
        if (tests.isObject() && tests.has("inputs") && tests.has("outputs")) {
            JsonNode ins = tests.get("inputs");
            JsonNode outs = tests.get("outputs");
            if (!ins.isArray() || !outs.isArray() || ins.size() != outs.size()) {
                throw new IllegalArgumentException("tests: 'inputs' and 'outputs' must be arrays of the same length");
            }
            String fn = tests.path("fn_name").asText("");
            for (int i = 0; i < ins.size(); i++) {
                if (!fn.isEmpty()) {
                    out.add(new Call(fn, ins.get(i), unwrapSingle(outs.get(i))));
                } else {
                    out.add(new Stdio(text(ins.get(i)), text(outs.get(i))));
                }
            }
        } else if (tests.isObject() && tests.has("test")) {
            // HumanEval: a check(candidate) function plus the entry point name
            String test = tests.get("test").asText();
            String entry = tests.path("entry_point").asText("");
            out.add(new Assert(entry.isEmpty() ? test : test + "\ncheck(" + entry + ")\n"));
        } else if (tests.isArray()) {
            for (JsonNode t : tests) {
                out.add(one(t));
            }
        } else {
            throw new IllegalArgumentException("tests: expected {inputs, outputs}, a list of cases or a list of asserts");
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("code problem has an empty test list");
        }
        return out;
    }

    private static Case one(JsonNode t) {
        if (t.isTextual()) {
            return new Assert(t.asText());
        }
        if (!t.isObject()) {
            throw new IllegalArgumentException("tests: unsupported case " + t);
        }
        String fn = t.has("fn_name") ? t.get("fn_name").asText() : t.path("function").asText("");
        if (!fn.isEmpty()) {
            JsonNode args = t.has("args") ? t.get("args") : t.path("input");
            JsonNode expected = t.has("expected") ? t.get("expected") : t.path("output");
            return new Call(fn, args, expected);
        }
        if (t.has("assert")) {
            return new Assert(t.get("assert").asText());
        }
        JsonNode in = t.has("input") ? t.get("input") : t.path("stdin");
        JsonNode outp = t.has("output") ? t.get("output") : t.has("expected_output") ? t.get("expected_output") : t.path("stdout");
        if (outp.isMissingNode()) {
            throw new IllegalArgumentException("tests: case without output: " + t);
        }
        return new Stdio(text(in), text(outp));
    }

    /** APPS wraps single return values in a one-element list. */
    private static JsonNode unwrapSingle(JsonNode out) {
        return out.isArray() && out.size() == 1 ? out.get(0) : out;
    }

    private static String text(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            return "";
        }
        if (n.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode x : n) {
                sb.append(x.asText()).append('\n');
            }
            return sb.toString();
        }
        return n.asText();
    }

    /** The JSON file handed to sandbox.py for call and assert cases. */
    static String caseJson(Case c) {
        ObjectNode o = JSON.createObjectNode();
        if (c instanceof Call call) {
            o.put("fn_name", call.fnName());
            o.set("args", call.args());
            o.set("expected", call.expected());
        } else if (c instanceof Assert a) {
            o.put("assert", a.statement());
        } else {
            return null;
        }
        return o.toString();
    }
}
