package rsarl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code rsa doctor [--json]}: which engine, libtorch and devices this installation actually uses. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Show the engine, the libtorch folder loaded, CUDA devices, threads and offline mode.")
final class DoctorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "one JSON object (keys engine_version, libtorch_path, flavor, "
            + "cuda_available, cuda_devices, threads, offline, ...)")
    boolean json;

    @Override
    public Integer call() throws Exception {
        EngineReport r = EngineReport.collect();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                    .writeValueAsString(r));
        } else {
            out.printf("DJL %s, PyTorch engine %s (%s)%n", r.djlVersion(), r.engineVersion(), r.flavor());
            out.printf("libtorch:     %s%n", r.libtorchPath());
            out.printf("JNI library:  %s%n", r.jniLibrary());
            out.printf("CUDA:         %s%n", r.cudaAvailable() ? r.cudaDevices().size() + " device(s)" : "not available");
            for (EngineReport.Gpu g : r.cudaDevices()) {
                out.printf("  cuda:%d  %s  compute %s  %d MiB%n", g.index(), g.name() == null ? "?" : g.name(),
                        g.computeCapability(), g.memoryMb());
            }
            out.printf("threads:      %d intra-op, %d inter-op%n", r.threads(), r.interopThreads());
            out.printf("offline:      %s%s%n", r.offline(), r.offline() ? "" : " (RSA_ALLOW_DOWNLOAD=1: DJL may download)");
            out.printf("DJL cache:    %s%n", r.cacheDir());
            out.printf("environment:  PYTORCH_LIBRARY_PATH=%s PYTORCH_FLAVOR=%s PYTORCH_VERSION=%s%n",
                    r.pytorchLibraryPath(), r.pytorchFlavor(), r.pytorchVersion());
        }
        out.flush();
        return 0;
    }
}
