package rsarl.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Utils;
import ai.djl.util.cuda.CudaUtils;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code rsa doctor} reports about the engine this process loaded: versions, the libtorch folder actually
 * mapped into the process, flavor, CUDA devices, threads, offline mode and DJL's cache folder.
 */
record EngineReport(String djlVersion, String engineVersion, String libtorchPath, String jniLibrary, String flavor,
                    boolean cudaAvailable, List<Gpu> cudaDevices, int threads, int interopThreads, boolean offline,
                    String cacheDir, String pytorchLibraryPath, String pytorchFlavor, String pytorchVersion) {

    /** One CUDA device: index, name (from nvidia-smi, when installed), compute capability, memory in MiB. */
    record Gpu(int index, String name, String computeCapability, long memoryMb) {}

    private static final Pattern FLAVOR = Pattern.compile("-(cpu|cu\\d+|cpu-precxx11|cu\\d+-precxx11)-");

    static EngineReport collect() {
        Engine engine = Engine.getEngine("PyTorch");
        List<String> maps = mappedLibraries();
        String torch = find(maps, "libtorch_cpu.so", "libtorch.so", "libtorch_cpu.dylib", "torch_cpu.dll");
        String jni = find(maps, "libdjl_torch.so", "libdjl_torch.dylib", "djl_torch.dll");
        boolean cuda = engine.getGpuCount() > 0;
        List<Gpu> gpus = new ArrayList<>();
        List<String> names = cuda ? nvidiaSmiNames() : List.of();
        for (int i = 0; i < engine.getGpuCount(); i++) {
            long mem = CudaUtils.getGpuMemory(Device.gpu(i)).getMax() >> 20;
            gpus.add(new Gpu(i, i < names.size() ? names.get(i) : null, CudaUtils.getComputeCapability(i), mem));
        }
        return new EngineReport(Engine.getDjlVersion(), engine.getVersion(),
                torch == null ? null : Path.of(torch).getParent().toString(), jni, flavor(torch, jni, maps), cuda, gpus,
                JniUtils.getNumThreads(), JniUtils.getNumInteropThreads(), Utils.isOfflineMode(),
                Utils.getEngineCacheDir("pytorch").toString(), System.getenv("PYTORCH_LIBRARY_PATH"),
                System.getenv("PYTORCH_FLAVOR"), System.getenv("PYTORCH_VERSION"));
    }

    /** cpu, cu128, ...: from PYTORCH_FLAVOR, else the cache folder's name, else whether libtorch_cuda is mapped. */
    private static String flavor(String torch, String jni, List<String> maps) {
        String env = System.getenv("PYTORCH_FLAVOR");
        if (env != null && !env.isBlank()) return env.trim().toLowerCase(Locale.ROOT);
        for (String p : new String[] {jni, torch}) {
            if (p == null) continue;
            Matcher m = FLAVOR.matcher(p);
            if (m.find()) return m.group(1);
        }
        return find(maps, "libtorch_cuda.so") != null ? "cuda" : "cpu";
    }

    /** Paths of the shared objects mapped into this process (Linux; empty elsewhere). */
    private static List<String> mappedLibraries() {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .map(l -> l.indexOf('/') < 0 ? "" : l.substring(l.indexOf('/')).trim())
                    .filter(s -> !s.isEmpty()).distinct().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String find(List<String> paths, String... names) {
        for (String n : names) {
            for (String p : paths) {
                if (p.endsWith("/" + n) || p.endsWith("-" + n)) return p;
            }
        }
        return null;
    }

    private static List<String> nvidiaSmiNames() {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=name", "--format=csv,noheader")
                    .redirectErrorStream(true).start();
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroy();
                return List.of();
            }
            return new String(p.getInputStream().readAllBytes()).lines().map(String::trim).toList();
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }
}
