package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.LogProbs;
import rsarl.model.QwenModel;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A libtorch folder of the user's own through {@code PYTORCH_LIBRARY_PATH}: here the CPU libtorch extracted from the
 * pytorch-native-cpu jar into a temp folder. The engine loads once per JVM, so the commands run in child JVMs.
 */
class OwnLibtorchTest {
    @TempDir
    Path tmp;

    private static Path extractLibtorch(Path into) throws IOException {
        String jar = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(p -> p.contains("pytorch-native-cpu")).findFirst()
                .orElseThrow(() -> new IllegalStateException("pytorch-native-cpu jar not on the test classpath"));
        Files.createDirectories(into);
        try (ZipFile zip = new ZipFile(jar)) {
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                if (e.isDirectory() || !e.getName().startsWith("pytorch/cpu/linux-x86_64/")) continue;
                try (InputStream in = zip.getInputStream(e)) {
                    Files.copy(in, into.resolve(Path.of(e.getName()).getFileName().toString()),
                            StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        assertTrue(Files.isRegularFile(into.resolve("libtorch_cpu.so")), "extracted " + into);
        return into;
    }

    private static String rsa(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "-cp", System.getProperty("java.class.path"), Rsa.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM timed out");
        assertEquals(0, p.exitValue(), "rsa " + String.join(" ", args) + ": " + out);
        return out;
    }

    @Test
    void runsTheModelFromALibtorchFolderAndDoctorNamesIt() throws Exception {
        Path lib = extractLibtorch(tmp.resolve("libtorch")).toRealPath();
        Path model = tmp.resolve("m");
        QwenModel.initRandom("tiny", 64, List.of(63), 7, model);
        // PYTORCH_LIBRARY_PATH alone: rsa fills in PYTORCH_VERSION (the bundled JNI's) and PYTORCH_FLAVOR (cpu)
        Map<String, String> env = Map.of("PYTORCH_LIBRARY_PATH", lib.toString(), "DJL_OFFLINE", "true");
        ObjectMapper json = new ObjectMapper();
        JsonNode doctor = json.readTree(rsa(env, "doctor", "--json"));
        assertEquals(lib.toString(), doctor.get("libtorch_path").asText());
        assertEquals("cpu", doctor.get("flavor").asText());
        assertFalse(doctor.get("cuda_available").asBoolean());
        assertEquals(0, doctor.get("cuda_devices").size());
        assertTrue(doctor.get("offline").asBoolean());
        assertEquals(1, doctor.get("threads").asInt());
        assertEquals("2.7.1", doctor.get("engine_version").asText());

        JsonNode lp = json.readTree(rsa(env, "score", "--model", model.toString(), "--input-ids", "5,17,42,7", "--json"))
                .get("token_logprobs");
        float[] got = new float[lp.size()];
        for (int i = 0; i < got.length; i++) got[i] = (float) lp.get(i).asDouble();
        try (QwenModel m = QwenModel.load(model)) {
            assertArrayEquals(LogProbs.tokenLogprobs(m, new int[] {5, 17, 42, 7}), got, 1e-6f);
        }
        // without the variable the bundled copy in DJL's cache is used
        JsonNode bundled = json.readTree(rsa(Map.of("DJL_OFFLINE", "true"), "doctor", "--json"));
        assertFalse(bundled.get("libtorch_path").asText().equals(lib.toString()), bundled.toString());
    }
}
