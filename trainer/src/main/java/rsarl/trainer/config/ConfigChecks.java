package rsarl.trainer.config;

import rsarl.rollout.config.ConfigErrors;
import rsarl.trainer.optim.LrSchedule;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checks of a bound trainer config; each failure goes to the command's {@link ConfigErrors} as key and problem. */
final class ConfigChecks {
    private final ConfigErrors errors;

    ConfigChecks(ConfigErrors errors) {
        this.errors = errors;
    }

    void check(boolean ok, String key, String problem) {
        if (!ok) {
            errors.add(key, problem);
        }
    }

    /** Whether {@code key} was rejected (and set to its default) while binding: checks that depend on it skip. */
    boolean rejected(String key) {
        return errors.covered(key);
    }

    void positive(long value, String key) {
        check(value > 0, key, "must be > 0, got " + value);
    }

    void nonNegative(double value, String key) {
        check(value >= 0, key, "must be >= 0, got " + value);
    }

    void inRange(double value, double lo, double hi, String key) {
        check(value >= lo && value <= hi, key, "must be in [" + lo + ", " + hi + "], got " + value);
    }

    void required(Object value, String key) {
        check(value != null && !value.toString().isBlank(), key, "is required");
    }

    void existingDir(String path, String key) {
        errors.requireFolder(key, path);
    }

    void existingFile(String path, String key) {
        errors.requireFile(key, path);
    }

    void lrScheduler(String type, String key) {
        try {
            LrSchedule.Type.parse(type == null ? "" : type);
        } catch (IllegalArgumentException e) {
            errors.add(key, e.getMessage());
        }
    }

    void resume(String resume, String key) {
        if (resume == null || Resume.isAuto(resume) || Resume.isNever(resume)) {
            return;
        }
        check(Files.isDirectory(Path.of(resume)), key,
                "must be auto, never (no/false) or a checkpoint folder; not found: " + resume);
    }

    /** The {@code resume} key's spellings. */
    static final class Resume {
        private Resume() {}

        static boolean isAuto(String s) {
            return s.equalsIgnoreCase("auto") || s.equalsIgnoreCase("true");
        }

        static boolean isNever(String s) {
            return s.isBlank() || s.equalsIgnoreCase("never") || s.equalsIgnoreCase("no")
                    || s.equalsIgnoreCase("false") || s.equalsIgnoreCase("none");
        }
    }
}
