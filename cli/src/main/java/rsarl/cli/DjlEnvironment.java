package rsarl.cli;

/**
 * DJL must never download at run time and its usage telemetry must stay off: set both before the
 * first engine use, whatever launched the JVM.
 */
final class DjlEnvironment {
    private DjlEnvironment() {
    }

    static void configure() {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
        // On CPU-only machines DJL warns on every start that it cannot count GPUs; errors still show.
        setIfAbsent("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
        String threads = System.getenv("RSA_THREADS");
        if (threads != null && !threads.isBlank()) {
            setIfAbsent("ai.djl.pytorch.num_threads", threads.trim());
            setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
