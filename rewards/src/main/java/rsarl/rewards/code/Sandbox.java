package rsarl.rewards.code;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs Python code in a subprocess: resource limits set by a small wrapper script (address space,
 * CPU seconds, file size, no child processes), a fresh temporary directory as working directory, the
 * network blocked ({@code unshare -n} when the kernel allows it, else a patched socket module), a
 * capped stdout, a wall-clock limit, and the whole process tree killed afterwards. At most
 * {@link #MAX_CONCURRENT} runs at once per JVM.
 */
public final class Sandbox {

    /** Limits of one run. */
    public record Limits(long timeMillis, long memoryBytes, int maxOutputBytes) {
        /** 6 s per test as in the paper, 1 GiB address space, 1 MiB of output. */
        public static final Limits DEFAULT = new Limits(6000, 1L << 30, 1 << 20);
    }

    /** Outcome of one run. {@code exitCode} is -1 when the run was killed. */
    public record Result(int exitCode, String stdout, boolean timedOut, boolean outputCapped, String stderrTail) {
    }

    public static final int MAX_CONCURRENT = Math.max(1, Runtime.getRuntime().availableProcessors());
    private static final Semaphore SLOTS = new Semaphore(MAX_CONCURRENT);
    private static final ExecutorService IO = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "sandbox-io");
        t.setDaemon(true);
        return t;
    });
    private static final String WRAPPER = loadWrapper();
    private static volatile Environment env;

    /** Resolved interpreter and network-isolation prefix, probed once. */
    private record Environment(String python, List<String> prefix, String problem) {
    }

    private Sandbox() {
    }

    /** Whether python3 can be run here. */
    public static boolean available() {
        return environment().python != null;
    }

    /** Why python3 cannot be used (null when it can). */
    public static String unavailableReason() {
        return environment().problem;
    }

    /** How the network is blocked: "unshare -rn", "unshare -n" or "socket patch". */
    public static String networkIsolation() {
        List<String> p = environment().prefix;
        return p.isEmpty() ? "socket patch" : String.join(" ", p);
    }

    private static Environment environment() {
        Environment e = env;
        if (e == null) {
            synchronized (Sandbox.class) {
                if (env == null) {
                    env = probe();
                }
                e = env;
            }
        }
        return e;
    }

    private static Environment probe() {
        String python = null;
        String problem = null;
        try {
            // resolve shims (pyenv) to the real interpreter once: each run then starts it directly
            List<String> out = quick(List.of("python3", "-c", "import sys, resource; print(sys.executable)"));
            if (out != null && !out.isEmpty() && !out.get(out.size() - 1).isBlank()) {
                python = out.get(out.size() - 1).trim();
            } else {
                problem = "python3 did not run";
            }
        } catch (IOException e) {
            problem = "python3 not found on PATH";
        }
        List<String> prefix = List.of();
        if (python != null) {
            for (List<String> p : List.of(List.of("unshare", "-rn"), List.of("unshare", "-n"))) {
                List<String> cmd = new ArrayList<>(p);
                cmd.addAll(List.of(python, "-c", "print('ok')"));
                try {
                    List<String> out = quick(cmd);
                    if (out != null && out.contains("ok")) {
                        prefix = p;
                        break;
                    }
                } catch (IOException ignored) {
                    // unshare missing: fall back to the socket patch only
                }
            }
        }
        return new Environment(python, prefix, problem);
    }

    /** Runs a short command, returning its stdout lines when it exits 0 within 10 s, else null. */
    private static List<String> quick(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.exitValue() == 0 ? List.of(s.split("\n")) : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return null;
        }
    }

    /**
     * Runs {@code sandbox.py <limits> mode solution.py [case.json]} in a fresh temporary directory.
     *
     * @param code  the solution source
     * @param mode  stdin, call or assert (see sandbox.py)
     * @param caseJson JSON for call/assert modes, else null
     * @param stdin text fed to standard input (may be empty)
     */
    public static Result run(String code, String mode, String caseJson, String stdin, Limits limits) {
        Environment e = environment();
        if (e.python == null) {
            throw new IllegalStateException("cannot run code: " + e.problem);
        }
        try {
            SLOTS.acquire();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a sandbox slot");
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("rsa-sandbox-");
            Files.writeString(dir.resolve("sandbox.py"), WRAPPER);
            Files.writeString(dir.resolve("solution.py"), code);
            List<String> cmd = new ArrayList<>(e.prefix);
            long cpuSeconds = Math.max(1, (limits.timeMillis() + 999) / 1000);
            cmd.addAll(List.of(e.python, "-B", "sandbox.py", Long.toString(limits.memoryBytes()),
                    Long.toString(cpuSeconds), Long.toString(16L << 20), mode, "solution.py"));
            if (caseJson != null) {
                Files.writeString(dir.resolve("case.json"), caseJson);
                cmd.add("case.json");
            }
            return execute(cmd, dir, stdin == null ? "" : stdin, limits);
        } catch (IOException ex) {
            throw new UncheckedIOException("sandbox run failed: " + ex.getMessage(), ex);
        } finally {
            SLOTS.release();
            if (dir != null) {
                deleteTree(dir);
            }
        }
    }

    private static Result execute(List<String> cmd, Path dir, String stdin, Limits limits) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin");
        pb.environment().put("HOME", dir.toString());
        pb.environment().put("TMPDIR", dir.toString());
        pb.environment().put("LANG", "C.UTF-8");
        pb.environment().put("PYTHONIOENCODING", "utf-8");
        pb.environment().put("PYTHONHASHSEED", "0");
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        long start = System.nanoTime();
        Future<?> writer = IO.submit(() -> {
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the program exited without reading all its input
            }
        });
        CappedReader out = new CappedReader(p.getInputStream(), limits.maxOutputBytes());
        CappedReader err = new CappedReader(p.getErrorStream(), 64 * 1024);
        Future<?> fo = IO.submit(out);
        Future<?> fe = IO.submit(err);
        boolean timedOut = false;
        java.util.Set<ProcessHandle> seen = new java.util.HashSet<>();
        try {
            long deadline = start + TimeUnit.MILLISECONDS.toNanos(limits.timeMillis() + 1000);
            while (p.isAlive()) {
                if (out.capped || System.nanoTime() > deadline) {
                    timedOut = !out.capped;
                    break;
                }
                // returns as soon as the process exits; the descendant scan (a /proc walk) runs every 50 ms
                p.waitFor(50, TimeUnit.MILLISECONDS);
                try (Stream<ProcessHandle> d = p.descendants()) {
                    d.forEach(seen::add); // children that outlive their parent are no longer descendants
                }
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        } finally {
            killTree(p, seen);
        }
        try {
            fo.get(2, TimeUnit.SECONDS);
            fe.get(2, TimeUnit.SECONDS);
            writer.cancel(true);
        } catch (Exception ignored) {
            // streams are closed by the kill; partial output is fine
        }
        int code = timedOut || out.capped ? -1 : p.exitValue();
        String errText = err.text();
        String tail = errText.length() > 400 ? errText.substring(errText.length() - 400) : errText;
        return new Result(code, out.text(), timedOut, out.capped, tail);
    }

    /**
     * Kills the process, its process group (the wrapper calls setsid) and every descendant seen while
     * it ran.
     */
    private static void killTree(Process p, java.util.Set<ProcessHandle> seen) {
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
    private static void killGroup(long pgid) {
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

    private static void deleteTree(Path dir) {
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

    private static String loadWrapper() {
        try (InputStream in = Sandbox.class.getResourceAsStream("sandbox.py")) {
            if (in == null) {
                throw new IllegalStateException("resource rsarl/rewards/code/sandbox.py is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Drains a stream, keeping at most {@code cap} bytes and flagging when more came. */
    private static final class CappedReader implements Runnable {
        private final InputStream in;
        private final int cap;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        volatile boolean capped;

        CappedReader(InputStream in, int cap) {
            this.in = in;
            this.cap = cap;
        }

        @Override
        public void run() {
            byte[] b = new byte[8192];
            try {
                int n;
                while ((n = in.read(b)) > 0) {
                    synchronized (buf) {
                        int keep = Math.min(n, cap - buf.size());
                        if (keep > 0) {
                            buf.write(b, 0, keep);
                        }
                        if (keep < n) {
                            capped = true;
                            return;
                        }
                    }
                }
            } catch (IOException ignored) {
                // process killed
            }
        }

        String text() {
            synchronized (buf) {
                return buf.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
