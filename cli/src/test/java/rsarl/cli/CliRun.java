package rsarl.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs {@code rsa} in-process and captures its exit code, stdout and stderr. */
record CliRun(int code, String out, String err) {
    static CliRun rsa(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Rsa.run(args);
            return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** True for a failed run that said exactly one line on stderr containing every given fragment. */
    boolean failedWithOneLine(String... fragments) {
        if (code == 0 || err.strip().lines().count() != 1) return false;
        for (String f : fragments) if (!err.contains(f)) return false;
        return true;
    }
}
