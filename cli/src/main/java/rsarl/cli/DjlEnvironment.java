package rsarl.cli;

/**
 * DJL must never download at run time (unless the user opts in with {@code RSA_ALLOW_DOWNLOAD=1}, e.g. to let DJL
 * fetch its CUDA libtorch) and its usage telemetry must stay off: set both before the first engine use, whatever
 * launched the JVM. A libtorch of the user's own is chosen with DJL's {@code PYTORCH_LIBRARY_PATH},
 * {@code PYTORCH_FLAVOR} and {@code PYTORCH_VERSION}, which DJL reads itself.
 */
final class DjlEnvironment {
    private DjlEnvironment() {
    }

    static void configure() {
        System.setProperty("ai.djl.offline", String.valueOf(!allowDownload()));
        System.setProperty("OPT_OUT_TRACKING", "true");
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
        // On CPU-only machines DJL warns on every start that it cannot count GPUs; errors still show.
        setIfAbsent("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
        ownLibtorchDefaults();
        String threads = System.getenv("RSA_THREADS");
        if (threads != null && !threads.isBlank()) {
            setIfAbsent("ai.djl.pytorch.num_threads", threads.trim());
            setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
        }
    }

    /**
     * DJL picks the JNI library by {@code PYTORCH_VERSION} and {@code PYTORCH_FLAVOR}; with only
     * {@code PYTORCH_LIBRARY_PATH} set it fails ("Cannot copy jni files"). Default them to the bundled JNI's libtorch
     * version and to {@code cu128} for a folder holding libtorch_cuda (the CUDA JNI the jar ships), else {@code cpu}.
     */
    private static void ownLibtorchDefaults() {
        String dir = System.getenv("PYTORCH_LIBRARY_PATH");
        if (dir == null || dir.isBlank()) {
            return;
        }
        if (System.getenv("PYTORCH_VERSION") == null) {
            String v = bundledLibtorchVersion();
            if (v != null) setIfAbsent("PYTORCH_VERSION", v);
        }
        if (System.getenv("PYTORCH_FLAVOR") == null) {
            boolean cuda = java.nio.file.Files.isRegularFile(java.nio.file.Path.of(dir.trim(), "libtorch_cuda.so"));
            setIfAbsent("PYTORCH_FLAVOR", cuda ? "cu128" : "cpu");
        }
    }

    /** {@code 2.7.1} from the pytorch-jni jar's {@code jni_version=2.7.1-0.35.1}. */
    static String bundledLibtorchVersion() {
        try (java.io.InputStream in = DjlEnvironment.class.getResourceAsStream("/jnilib/pytorch.properties")) {
            if (in == null) return null;
            java.util.Properties p = new java.util.Properties();
            p.load(in);
            String jni = p.getProperty("jni_version");
            return jni == null || jni.indexOf('-') < 0 ? null : jni.substring(0, jni.indexOf('-'));
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** {@code RSA_ALLOW_DOWNLOAD=1}: the user lets DJL download (its CUDA libtorch); off by default. */
    static boolean allowDownload() {
        return "1".equals(System.getenv("RSA_ALLOW_DOWNLOAD"));
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
