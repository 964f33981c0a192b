package rsarl.cli;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;

import java.io.IOException;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Peak memory of a benchmark: the process's peak resident set ({@code VmHWM}) and, on CUDA, the most device memory
 * in use, sampled every 10 ms by a daemon thread (DJL exposes no allocator peak; a sample can miss a spike shorter
 * than that).
 */
final class PeakMemory implements AutoCloseable {
    private final Thread sampler;
    private volatile long peakDeviceBytes;
    private volatile boolean running = true;

    private PeakMemory(Device device) {
        if (!device.isGpu()) {
            sampler = null;
            return;
        }
        sampler = new Thread(() -> {
            while (running) {
                MemoryUsage u = CudaUtils.getGpuMemory(device);
                peakDeviceBytes = Math.max(peakDeviceBytes, u.getCommitted());
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "peak-device-memory");
        sampler.setDaemon(true);
        sampler.start();
    }

    static PeakMemory start(Device device) {
        return new PeakMemory(device);
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
