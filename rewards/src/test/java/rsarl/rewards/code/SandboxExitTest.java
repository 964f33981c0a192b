package rsarl.rewards.code;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A program killed inside unshare reads as killed (the CPU hard limit), not as a runtime error. */
class SandboxExitTest {
    @Test
    void unshareReportsAKilledChildAsExitOneAndThatMapsBackToSigkill() throws Exception {
        // the namespaces mode's own wrapper around a child that the kernel SIGKILLs at its CPU hard limit (1 s)
        Process p;
        try {
            p = new ProcessBuilder(List.of("unshare", "--mount", "--pid", "--net", "--fork", "--kill-child",
                    "sh", "-c", "ulimit -t 1; while :; do :; done")).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "no unshare: " + e.getMessage());
            return;
        }
        assumeTrue(p.waitFor(20, TimeUnit.SECONDS), "unshare hung");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(!out.contains("Operation not permitted") && !out.contains("cannot"), "unshare refused: " + out);
        int code = Sandbox.killedUnderUnshare(p.exitValue(), out);
        assertEquals(Sandbox.SIGKILL_EXIT, code, "exit " + p.exitValue() + ": " + out);
    }

    @Test
    void otherExitsAreLeftAlone() {
        assertEquals(1, Sandbox.killedUnderUnshare(1, "Traceback ...\nValueError: bad"));
        assertEquals(0, Sandbox.killedUnderUnshare(0, "unshare: sigprocmask unblock failed: Invalid argument"));
        assertEquals(Sandbox.SIGKILL_EXIT, Sandbox.killedUnderUnshare(1,
                "unshare: sigprocmask unblock failed: Invalid argument"));
    }
}
