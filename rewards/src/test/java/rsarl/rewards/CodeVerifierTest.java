package rsarl.rewards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import rsarl.rewards.code.CodeVerifier;
import rsarl.rewards.code.Sandbox;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CodeVerifierTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final CodeVerifier v = new CodeVerifier(new Sandbox.Limits(2000, 512L << 20, 64 * 1024));

    @BeforeAll
    static void needsPython() {
        assumeTrue(Sandbox.ready(), "skipping code tests: " + Sandbox.refusal());
    }

    private static Problem problem(String tests) throws Exception {
        JsonNode t = JSON.readTree(tests);
        return new Problem("c", "write code", null, "code", List.of(), t, null);
    }

    private static String fenced(String code) {
        return "Here is my solution.\n```python\n" + code + "\n```\nDone.";
    }

    private static final String STDIO = "[{\"input\": \"2 3\\n\", \"output\": \"5\\n\"}, {\"input\": \"10 -4\", \"output\": \"6\"}]";

    @Test
    void stdinStdoutTests() throws Exception {
        Problem p = problem(STDIO);
        assertEquals(1.0, v.grade(fenced("a, b = map(int, input().split())\nprint(a + b)"), p).score());
        Grade wrong = v.grade(fenced("a, b = map(int, input().split())\nprint(a * b)"), p);
        assertEquals(0.0, wrong.score());
        assertTrue(wrong.reason().contains("wrong output"), wrong.reason());
    }

    @Test
    void appsStyleFunctionCalls() throws Exception {
        Problem p = problem("{\"fn_name\": \"add\", \"inputs\": [[1, 2], [5, 5]], \"outputs\": [[3], [10]]}");
        assertEquals(1.0, v.grade(fenced("def add(a, b):\n    return a + b"), p).score());
        assertEquals(1.0, v.grade(fenced("class Solution:\n    def add(self, a, b):\n        return a + b"), p).score());
        assertEquals(0.0, v.grade(fenced("def add(a, b):\n    return a - b"), p).score());
        Problem pairs = problem("[{\"fn_name\": \"pair\", \"args\": [2], \"expected\": [2, 4]}]");
        assertEquals(1.0, v.grade(fenced("def pair(x):\n    return (x, 2 * x)"), pairs).score(), "tuples equal lists");
    }

    @Test
    void assertStyleTests() throws Exception {
        Problem p = problem("[\"assert sq(3) == 9\", \"assert sq(-2) == 4\"]");
        assertEquals(1.0, v.grade(fenced("def sq(x):\n    return x * x"), p).score());
        assertEquals(0.0, v.grade(fenced("def sq(x):\n    return 9"), p).score());
    }

    @Test
    void humanEvalCheckFunction() throws Exception {
        Problem p = problem("{\"test\": \"def check(candidate):\\n    assert candidate(2) == 3\\n\", \"entry_point\": \"inc\"}");
        assertEquals(1.0, v.grade(fenced("def inc(x):\n    return x + 1"), p).score());
        assertEquals(0.0, v.grade(fenced("def inc(x):\n    return x"), p).score());
    }

    @Test
    void lastPythonBlockIsUsed() throws Exception {
        Problem p = problem(STDIO);
        String response = "```python\nprint(5)\n```\nBetter:\n```python\na, b = map(int, input().split())\nprint(a + b)\n```";
        assertEquals(1.0, v.grade(response, p).score());
        assertNull(v.extract("no code here at all, only words and more words and then some more to be long enough.\nyes", p));
    }

    @Test
    void limitsAreEnforced() throws Exception {
        Problem p = problem(STDIO);
        Grade loop = v.grade(fenced("while True:\n    pass"), p);
        assertEquals(0.0, loop.score());
        assertTrue(loop.reason().contains("time limit"), loop.reason());
        Grade flood = v.grade(fenced("while True:\n    print('x' * 10000)"), p);
        assertEquals(0.0, flood.score());
        assertTrue(flood.reason().contains("output limit"), flood.reason());
        Grade memory = v.grade(fenced("x = bytearray(2 * 1024 * 1024 * 1024)\nprint(5)"), p);
        assertEquals(0.0, memory.score());
        assertTrue(memory.reason().contains("runtime error"), memory.reason());
        Grade net = v.grade(fenced("import socket\ns = socket.create_connection(('127.0.0.1', 9))\nprint(5)"), p);
        assertEquals(0.0, net.score());
        Grade crash = v.grade(fenced("raise SystemExit(7)"), p);
        assertTrue(crash.reason().contains("exit 7"), crash.reason());
    }

    @Test
    void childProcessesAreKilled() throws Exception {
        Problem p = problem(STDIO);
        String marker = "rsa_orphan_" + System.nanoTime();
        String forker = "import subprocess, sys, time\n"
                + "try:\n    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', '" + marker + "'],"
                + " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
                + "except Exception as e:\n    print('no fork', e, file=sys.stderr)\n"
                + "time.sleep(0.3)\na, b = map(int, input().split())\nprint(a + b)";
        assertEquals(1.0, v.grade(fenced(forker), p).score());
        Thread.sleep(300);
        long alive = ProcessHandle.allProcesses().filter(h -> h.info().arguments()
                .map(args -> List.of(args).contains(marker)).orElse(false)).count();
        assertEquals(0, alive, "orphaned child still running");
    }

    @Test
    void fileSystemIsItsOwnTempDir() throws Exception {
        Problem p = problem("[{\"input\": \"\", \"output\": \"True\"}]");
        assertEquals(1.0, v.grade(fenced("import os\nopen('x.txt', 'w').write('hi')\nprint(os.path.exists('solution.py'))"), p).score());
    }
}
