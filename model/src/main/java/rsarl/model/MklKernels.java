package rsarl.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Whether libtorch's MKL runs the kernels it selects for Intel CPUs: on an Intel CPU, or on AMD with
 * scripts/rsa's preloaded vendor-check override (scripts/lib/mkl-intel-cpu.c). Without them MKL runs generic code
 * on AMD, where some matrix shapes are faster rearranged ({@link CachedForward}'s lm head); with them the plain
 * {@code linear} is fastest. Decided once per process from /proc, never by timing, so the same inputs always take
 * the same kernels (and give the same tokens).
 */
final class MklKernels {
    /** The file name scripts/rsa builds the override as. */
    static final String SHIM = "libmkl-intel-cpu.so";
    static final boolean INTEL_PATH = detect(Path.of("/proc/cpuinfo"), Path.of("/proc/self/maps"));

    private MklKernels() {
    }

    static boolean detect(Path cpuinfo, Path maps) {
        return vendor(cpuinfo).equals("genuineintel") || mapped(maps);
    }

    private static String vendor(Path cpuinfo) {
        try (var lines = Files.lines(cpuinfo)) {
            return lines.filter(l -> l.startsWith("vendor_id")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim().toLowerCase(Locale.ROOT)).orElse("");
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static boolean mapped(Path maps) {
        try (var lines = Files.lines(maps)) {
            return lines.anyMatch(l -> l.endsWith("/" + SHIM));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
