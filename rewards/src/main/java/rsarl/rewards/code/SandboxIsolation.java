package rsarl.rewards.code;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How graded code is isolated from the host, strongest first:
 * <ul>
 *   <li>{@code bwrap}: bubblewrap, where installed: user, mount, PID, network and IPC namespaces, a
 *       read-only view of only the system folders and the interpreter, a private {@code /tmp}, the run's
 *       folder as {@code /sandbox}, all capabilities dropped;</li>
 *   <li>{@code namespaces}: {@code unshare} (mount, PID, network; plus a user namespace when not root)
 *       and the wrapper builds the same minimal read-only root, chroots into it and drops to
 *       {@code nobody} (as root) or drops every capability (as a user);</li>
 *   <li>{@code unsafe}: resource limits and the network only; used only when asked for.</li>
 * </ul>
 * In every mode the wrapper installs a seccomp filter (no fork, vfork, exec or new process; threads are
 * allowed) and {@code RLIMIT_NPROC}. The {@code RSA_SANDBOX} environment variable (or the
 * {@code rsa.sandbox} system property) picks one: {@code auto} (default: the strongest that works here,
 * refusing code tasks when none does), {@code bwrap}, {@code namespaces} or {@code unsafe}.
 */
public enum SandboxIsolation {
    BWRAP, NAMESPACES, UNSAFE;

    /** The name users write in RSA_SANDBOX. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The setting: system property rsa.sandbox, else RSA_SANDBOX, else "auto". */
    static String setting() {
        String s = System.getProperty("rsa.sandbox");
        if (s == null || s.isBlank()) {
            s = System.getenv("RSA_SANDBOX");
        }
        return s == null || s.isBlank() ? "auto" : s.trim().toLowerCase(Locale.ROOT);
    }

    /**
     * The mode to use for {@code setting}, given why each isolating mode failed its probe here
     * ({@code problems}: mode -> reason; absent means it works).
     *
     * @throws IllegalStateException with one line saying why code cannot run
     */
    public static SandboxIsolation select(String setting, Map<SandboxIsolation, String> problems) {
        switch (setting) {
            case "unsafe" -> {
                return UNSAFE;
            }
            case "bwrap", "namespaces" -> {
                SandboxIsolation m = valueOf(setting.toUpperCase(Locale.ROOT));
                if (problems.containsKey(m)) {
                    throw new IllegalStateException("RSA_SANDBOX=" + setting + " does not work here: " + problems.get(m));
                }
                return m;
            }
            case "auto" -> {
                for (SandboxIsolation m : List.of(BWRAP, NAMESPACES)) {
                    if (!problems.containsKey(m)) {
                        return m;
                    }
                }
                throw new IllegalStateException("code tasks refused: no sandbox isolation works here (bwrap: "
                        + problems.get(BWRAP) + "; unshare: " + problems.get(NAMESPACES)
                        + "); install bubblewrap, or set RSA_SANDBOX=unsafe to run untrusted code without isolation");
            }
            default -> throw new IllegalStateException("RSA_SANDBOX=" + setting
                    + " is not one of auto, bwrap, namespaces, unsafe");
        }
    }

    /**
     * The command prefix that starts the interpreter in this mode; {@code dir} is the run's folder and
     * the working directory, {@code roots} the interpreter's installation folders (they stay visible).
     */
    List<String> prefix(Path dir, List<String> roots, boolean root, List<String> networkOnly) {
        List<String> cmd = new ArrayList<>();
        switch (this) {
            case BWRAP -> {
                cmd.addAll(List.of("bwrap", "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534",
                        "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--hostname", "sandbox"));
                for (String top : List.of("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")) {
                    Path p = Path.of(top);
                    if (Files.isSymbolicLink(p)) {
                        try {
                            cmd.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), top));
                        } catch (IOException e) {
                            // unreadable link: leave it out of the view
                        }
                    } else if (Files.isDirectory(p)) {
                        cmd.addAll(List.of("--ro-bind", top, top));
                    }
                }
                for (String r : roots) {
                    if (!r.startsWith("/usr/")) {
                        cmd.addAll(List.of("--ro-bind", r, r));
                    }
                }
                cmd.addAll(List.of("--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
                        "--ro-bind-try", "/etc/localtime", "/etc/localtime", "--dev", "/dev", "--proc", "/proc",
                        "--tmpfs", "/tmp", "--bind", dir.toString(), "/sandbox", "--chdir", "/sandbox",
                        "--setenv", "HOME", "/sandbox", "--setenv", "TMPDIR", "/sandbox"));
            }
            case NAMESPACES -> {
                cmd.add("unshare");
                if (!root) {
                    cmd.add("--map-root-user");
                }
                cmd.addAll(List.of("--mount", "--pid", "--net", "--fork", "--kill-child"));
            }
            case UNSAFE -> cmd.addAll(networkOnly);
        }
        return cmd;
    }

    /** Extra wrapper arguments before the limits. */
    List<String> wrapperFlags() {
        return this == NAMESPACES ? List.of("--isolate") : List.of();
    }
}
