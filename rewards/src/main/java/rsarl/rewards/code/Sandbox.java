package rsarl.rewards.code;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs Python code in a subprocess, isolated from the host as {@link SandboxIsolation} describes (probed
 * once: bubblewrap, else unshare namespaces; code tasks are refused when neither works unless
 * {@code RSA_SANDBOX=unsafe}); resource limits set by a small wrapper script (address space, CPU
 * seconds, file size, a seccomp filter and RLIMIT_NPROC against child processes), a fresh temporary
 * directory as working directory, the network blocked, a capped stdout, a wall-clock limit, and the
 * whole process tree killed afterwards. At most {@link #MAX_CONCURRENT} runs at once per JVM.
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
    private static final boolean ROOT = isRoot();

    /**
     * Resolved interpreter, its installation folders, the network-only prefix (unsafe mode), why each
     * isolating mode does not work here, and the selected mode (null with {@code refusal} when none).
     */
    private record Environment(String python, List<String> roots, List<String> prefix, String problem,
                               java.util.Map<SandboxIsolation, String> modeProblems, SandboxIsolation mode,
                               String refusal) {
    }

    private Sandbox() {
    }

    /** Whether python3 can be run here. */
    public static boolean available() {
        return environment().python != null;
    }

    /** Whether code can run here: python3 found and an isolation mode selected. */
    public static boolean ready() {
        return refusal() == null;
    }

    /** Why python3 cannot be used (null when it can). */
    public static String unavailableReason() {
        return environment().problem;
    }

    /** How the network is blocked in unsafe mode: "unshare -rn", "unshare -n" or "socket patch". */
    public static String networkIsolation() {
        List<String> p = environment().prefix;
        return p.isEmpty() ? "socket patch" : String.join(" ", p);
    }

    /** The isolation in use ("bwrap", "namespaces", "unsafe"), or null when code tasks are refused. */
    public static String isolation() {
        SandboxIsolation m = environment().mode;
        return m == null ? null : m.label();
    }

    /** One line saying why code tasks are refused here, or null when they run. */
    public static String refusal() {
        return environment().python == null ? "cannot run code: " + environment().problem : environment().refusal;
    }

    /** Whether {@code mode} works on this machine (unsafe always does where python runs). */
    public static boolean works(SandboxIsolation mode) {
        Environment e = environment();
        return e.python != null && !e.modeProblems.containsKey(mode);
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
        List<String> roots = List.of();
        try {
            // resolve shims (pyenv) to the real interpreter once: each run then starts it directly
            List<String> out = quick(List.of("python3", "-c",
                    "import os, sys, resource; print(*sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix,"
                            + " os.path.dirname(sys.executable))}), sep=chr(10)); print(sys.executable)"));
            if (out != null && out.size() >= 2 && !out.get(out.size() - 1).isBlank()) {
                python = out.get(out.size() - 1).trim();
                roots = out.subList(0, out.size() - 1).stream().map(String::trim).filter(r -> !r.isEmpty()).toList();
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
        java.util.Map<SandboxIsolation, String> problems = new java.util.EnumMap<>(SandboxIsolation.class);
        SandboxIsolation mode = null;
        String refusal = null;
        if (python != null) {
            Environment partial = new Environment(python, roots, prefix, null, java.util.Map.of(), null, null);
            for (SandboxIsolation m : List.of(SandboxIsolation.BWRAP, SandboxIsolation.NAMESPACES)) {
                String why = tryMode(partial, m);
                if (why != null) {
                    problems.put(m, why);
                }
            }
            try {
                mode = SandboxIsolation.select(SandboxIsolation.setting(), problems);
            } catch (IllegalStateException e) {
                refusal = e.getMessage();
            }
        }
        return new Environment(python, roots, prefix, problem, problems, mode, refusal);
    }

    /** Runs a one-line program in {@code mode}: null when it works, else why not (one line). */
    private static String tryMode(Environment e, SandboxIsolation mode) {
        try {
            Result r = start(e, mode, "print('ok')", "stdin", null, "", new Limits(10_000, 1L << 30, 4096));
            if (r.exitCode() == 0 && r.stdout().strip().equals("ok")) {
                return null;
            }
            String err = r.stderrTail().strip();
            int nl = err.lastIndexOf('\n');
            return "exit " + r.exitCode() + (err.isEmpty() ? "" : ": " + (nl < 0 ? err : err.substring(nl + 1)));
        } catch (UncheckedIOException ex) {
            String m = ex.getCause() != null ? ex.getCause().getMessage() : ex.getMessage();
            return m != null && m.contains("error=2") ? (mode == SandboxIsolation.BWRAP ? "bwrap" : "unshare") + " not installed" : m;
        }
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return "root".equals(System.getProperty("user.name"));
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
        if (e.mode == null) {
            throw new IllegalStateException(e.refusal);
        }
        return start(e, e.mode, code, mode, caseJson, stdin, limits);
    }

    /** {@link #run} in a given isolation mode (tests run every mode this machine offers). */
    public static Result runIn(SandboxIsolation isolation, String code, String mode, String caseJson, String stdin,
                               Limits limits) {
        Environment e = environment();
        if (!works(isolation)) {
            throw new IllegalStateException(isolation.label() + " does not work here: " + e.modeProblems.get(isolation));
        }
        return start(e, isolation, code, mode, caseJson, stdin, limits);
    }

    private static Result start(Environment e, SandboxIsolation isolation, String code, String mode, String caseJson,
                                String stdin, Limits limits) {
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
            List<String> cmd = new ArrayList<>(isolation.prefix(dir, e.roots, ROOT, e.prefix));
            long cpuSeconds = Math.max(1, (limits.timeMillis() + 999) / 1000);
            cmd.addAll(List.of(e.python, "-B", "sandbox.py"));
            cmd.addAll(isolation.wrapperFlags());
            cmd.addAll(List.of(Long.toString(limits.memoryBytes()),
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
                ProcessCleanup.deleteTree(dir);
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
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        pb.environment().put("MKL_NUM_THREADS", "1");
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
            ProcessCleanup.killTree(p, seen);
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
        code = killedUnderUnshare(code, tail);
        return new Result(code, out.text(), timedOut, out.capped, tail);
    }

    /**
     * unshare (util-linux 2.38, the namespaces mode) re-raises its child's fatal signal on itself, which fails for
     * SIGKILL ({@code signal(2)} refuses it): it then exits 1 with this line, and a program the CPU hard limit killed
     * read as a runtime error (seen about one run in four on a loaded 2-core machine). Reported as killed instead.
     */
    static int killedUnderUnshare(int code, String stderrTail) {
        return code == 1 && stderrTail.contains("unshare: sigprocmask unblock failed") ? SIGKILL_EXIT : code;
    }

    /** Exit status of a process killed by SIGKILL. */
    static final int SIGKILL_EXIT = 128 + 9;

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
}
