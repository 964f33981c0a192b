package rsarl.rewards.code;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** What is left after a sandbox run: its processes (killed) and its folder (deleted). */
final class ProcessCleanup {

    private ProcessCleanup() {
    }

    /**
     * Kills the process, its process group (the wrapper calls setsid) and every descendant seen while
     * it ran.
     */
    static void killTree(Process p, java.util.Set<ProcessHandle> seen) {
        List<ProcessHandle> all = new ArrayList<>(seen);
        try (Stream<ProcessHandle> d = p.descendants()) {
            d.forEach(all::add);
        }
        all.forEach(ProcessHandle::destroyForcibly);
        killGroup(p.pid());
        p.destroyForcibly();
        try {
            p.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle h : all) {
            h.destroyForcibly();
        }
    }

    /** kill -KILL -- -pgid: no JDK API signals a process group. */
    static void killGroup(long pgid) {
        try {
            Process k = new ProcessBuilder("kill", "-KILL", "--", "-" + pgid)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            k.waitFor(2, TimeUnit.SECONDS);
        } catch (IOException e) {
            // no kill binary: the descendant snapshot is all we have
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // best effort: a temp dir left behind is harmless
                }
            });
        } catch (IOException ignored) {
            // already gone
        }
    }
}
