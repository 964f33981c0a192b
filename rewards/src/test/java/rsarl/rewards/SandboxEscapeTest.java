package rsarl.rewards;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import rsarl.rewards.code.CodeVerifier;
import rsarl.rewards.code.Sandbox;
import rsarl.rewards.code.SandboxIsolation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Graded code must not start processes, write outside its own folder or read the user's files, also when
 * the tests run as root. Every isolating mode this machine offers is tried; a mode that is missing here
 * (no bubblewrap, no unshare) is skipped with a message.
 */
class SandboxEscapeTest {

    private static final Sandbox.Limits LIMITS = new Sandbox.Limits(1500, 512L << 20, 64 * 1024);

    @TempDir
    Path hostDir;

    private static void needs(SandboxIsolation mode) {
        assumeTrue(Sandbox.available(), "python3 is missing");
        assumeTrue(Sandbox.works(mode), () -> mode.label() + " is not available here: skipped");
    }

    private static Sandbox.Result run(SandboxIsolation mode, String code) {
        return Sandbox.runIn(mode, code, "stdin", null, "", LIMITS);
    }

    @ParameterizedTest
    @EnumSource(value = SandboxIsolation.class, names = {"BWRAP", "NAMESPACES"})
    void noProcessesCanStart(SandboxIsolation mode) {
        needs(mode);
        String marker = "/tmp/rsa_escape_system_" + System.nanoTime();
        Sandbox.Result r = run(mode, "import os, subprocess, sys\n"
                + "print('system', os.system('touch " + marker + "; echo ran'))\n"
                + "for name, f in [('fork', os.fork), ('popen', lambda: subprocess.Popen(['true'])),\n"
                + "                ('exec', lambda: os.execv('/bin/true', ['true']))]:\n"
                + "    try:\n        f()\n        print(name, 'ran')\n"
                + "    except OSError as e:\n        print(name, 'blocked')\n");
        assertFalse(r.stdout().contains("ran"), r.stdout() + r.stderrTail());
        assertTrue(r.stdout().contains("fork blocked") && r.stdout().contains("popen blocked")
                && r.stdout().contains("exec blocked"), r.stdout() + r.stderrTail());
        assertFalse(Files.exists(Path.of(marker)), "os.system left " + marker + " on the host");
    }

    @ParameterizedTest
    @EnumSource(value = SandboxIsolation.class, names = {"BWRAP", "NAMESPACES"})
    void forkBombIsBounded(SandboxIsolation mode) {
        needs(mode);
        Sandbox.Result counted = run(mode, "import os\nborn = 0\nfor _ in range(2000):\n    try:\n"
                + "        if os.fork() == 0:\n            os._exit(0)\n        born += 1\n    except OSError:\n        pass\n"
                + "print('born', born)\n");
        assertEquals("born 0", counted.stdout().strip(), counted.stderrTail());
        Sandbox.Result bomb = run(mode, "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n");
        assertTrue(bomb.timedOut() || bomb.exitCode() != 0, "the bomb ends by the time (or CPU) limit");
        long left = ProcessHandle.current().descendants()
                .filter(h -> h.info().commandLine().orElse("").contains("sandbox.py")).count();
        assertEquals(0, left, "sandbox processes left running");
    }

    @ParameterizedTest
    @EnumSource(value = SandboxIsolation.class, names = {"BWRAP", "NAMESPACES"})
    void writesStayInsideTheSandbox(SandboxIsolation mode) throws Exception {
        needs(mode);
        String tmpMarker = "/tmp/rsa_escape_write_" + System.nanoTime();
        Path hostMarker = hostDir.resolve("planted.txt");
        Path projectMarker = Path.of("rsa_escape_" + System.nanoTime()).toAbsolutePath();
        Sandbox.Result r = run(mode, "import os\n"
                + "for p in ['" + tmpMarker + "', '" + hostMarker + "', '" + projectMarker + "']:\n"
                + "    try:\n        open(p, 'w').write('x')\n        print('wrote', p)\n"
                + "    except OSError as e:\n        print('refused', p)\n"
                + "open('own.txt', 'w').write('fine')\nprint('own', open('own.txt').read())\n");
        assertEquals(0, r.exitCode(), r.stderrTail());
        assertTrue(r.stdout().contains("own fine"), "its own folder is writable: " + r.stdout());
        assertFalse(Files.exists(Path.of(tmpMarker)), "left " + tmpMarker + " on the host");
        assertFalse(Files.exists(hostMarker), "wrote into the user's folder");
        assertFalse(Files.exists(projectMarker), "wrote into the project");
    }

    @ParameterizedTest
    @EnumSource(value = SandboxIsolation.class, names = {"BWRAP", "NAMESPACES"})
    void hostFilesCannotBeRead(SandboxIsolation mode) throws Exception {
        needs(mode);
        String secret = "secret-" + System.nanoTime();
        Path file = hostDir.resolve("credentials.txt");
        Files.writeString(file, secret);
        Path pom = Path.of("pom.xml").toAbsolutePath();
        assumeTrue(Files.exists(pom), "run from the module folder");
        Sandbox.Result r = run(mode, "import os\n"
                + "for p in ['" + file + "', '" + pom + "', os.path.expanduser('~root/.bashrc')]:\n"
                + "    try:\n        print('read', p, open(p).read()[:200])\n"
                + "    except OSError as e:\n        print('hidden', p)\n");
        assertEquals(0, r.exitCode(), r.stderrTail());
        assertFalse(r.stdout().contains(secret), r.stdout());
        assertFalse(r.stdout().contains("<project"), "read the project's pom.xml: " + r.stdout());
        assertTrue(r.stdout().contains("hidden " + file), r.stdout());
    }

    @ParameterizedTest
    @EnumSource(value = SandboxIsolation.class, names = {"BWRAP", "NAMESPACES"})
    void escapesScoreZeroThroughTheVerifier(SandboxIsolation mode) throws Exception {
        needs(mode);
        assumeTrue(mode.label().equals(Sandbox.isolation()), "the verifier uses the selected mode only");
        Problem p = new Problem("x", "q", null, "code", java.util.List.of(),
                new com.fasterxml.jackson.databind.ObjectMapper().readTree("[{\"input\": \"\", \"output\": \"0\"}]"), null);
        CodeVerifier v = new CodeVerifier(LIMITS);
        assertEquals(0.0, v.grade("```python\nimport os\nprint(os.system('true'))\n```", p).score());
        assertEquals(0.0, v.grade("```python\nimport os\nprint(0 if os.fork() >= 0 else 1)\n```", p).score());
        assertEquals(1.0, v.grade("```python\nprint(0)\n```", p).score(), "an honest solution still passes");
    }

    @Test
    void withoutIsolationCodeTasksAreRefusedUnlessOptedIn() {
        Map<SandboxIsolation, String> none = Map.of(SandboxIsolation.BWRAP, "bwrap not installed",
                SandboxIsolation.NAMESPACES, "exit 1: unshare: Operation not permitted");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SandboxIsolation.select("auto", none));
        assertTrue(e.getMessage().contains("refused") && e.getMessage().contains("RSA_SANDBOX=unsafe")
                && !e.getMessage().contains("\n"), e.getMessage());
        assertEquals(SandboxIsolation.UNSAFE, SandboxIsolation.select("unsafe", none));
        assertEquals(SandboxIsolation.NAMESPACES,
                SandboxIsolation.select("auto", Map.of(SandboxIsolation.BWRAP, "bwrap not installed")));
        assertEquals(SandboxIsolation.BWRAP, SandboxIsolation.select("auto", Map.of()));
        assertThrows(IllegalStateException.class, () -> SandboxIsolation.select("bwrap", none));
        assertThrows(IllegalStateException.class, () -> SandboxIsolation.select("chroot", Map.of()));
    }
}
