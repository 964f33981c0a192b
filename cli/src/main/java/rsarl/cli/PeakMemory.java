package rsarl.cli;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;

import java.io.IOException;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Peak memory of a benchmark: the process's peak resident set ({@code VmHWM}), the most anonymous resident memory
 * and, on CUDA, the most device memory in use, both sampled every 10 ms by a daemon thread (DJL exposes no allocator peak; a sample can miss a spike shorter
 * than that).
 */
final class PeakMemory implements AutoCloseable {
    private final Thread sampler;
    private volatile long peakDeviceBytes;
    private volatile long peakAnonMb = -1;
    private volatile boolean running = true;

    private PeakMemory(Device device) {
        sampler = new Thread(() -> {
            while (running) {
                if (device.isGpu()) {
                    MemoryUsage u = CudaUtils.getGpuMemory(device);
                    peakDeviceBytes = Math.max(peakDeviceBytes, u.getCommitted());
                }
                peakAnonMb = Math.max(peakAnonMb, anonRssMb());
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "peak-memory");
        sampler.setDaemon(true);
        sampler.start();
    }

    static PeakMemory start(Device device) {
        return new PeakMemory(device);
    }

    /**
     * The most anonymous resident memory seen since the last {@link #resetAnon} (sampled every 10 ms): the native
     * arrays and heaps, without file pages such as a loaded checkpoint's mapping that the kernel may drop at any time.
     */
    long peakAnonMb() {
        return peakAnonMb;
    }

    void resetAnon() {
        peakAnonMb = anonRssMb();
    }

    /** RssAnon of /proc/self/status in MiB, or -1. */
    static long anonRssMb() {
        return statusMb("RssAnon:");
    }

    long peakDeviceMb() {
        return peakDeviceBytes >> 20;
    }

    /** VmHWM of /proc/self/status in MiB, or -1 where there is none (not Linux). */
    static long peakRssMb() {
        return statusMb("VmHWM:");
    }

    /** VmRSS of /proc/self/status in MiB, or -1. */
    static long rssMb() {
        return statusMb("VmRSS:");
    }

    /** glibc's malloc_trim, through JNA (DJL's dependency). */
    private interface LibC extends com.sun.jna.Library {
        int malloc_trim(long pad);
    }

    /**
     * Hands the C heap's free pages back to the kernel (glibc {@code malloc_trim(0)}): the launcher's
     * {@code MALLOC_TRIM_THRESHOLD_} keeps them, so the buffers freed after loading would otherwise stay resident
     * and hide what a step adds. False where there is no glibc.
     */
    static boolean trimHeap() {
        try {
            com.sun.jna.Native.load("c", LibC.class).malloc_trim(0);
            return true;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return false;
        }
    }

    /**
     * Resets VmHWM to the present resident set (Linux: {@code 5} into {@code /proc/self/clear_refs}), so a later
     * {@link #peakRssMb} is the peak since now; false where that is not possible.
     */
    static boolean resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    private static long statusMb(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) >> 10;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    @Override
    public void close() {
        running = false;
    }
}
