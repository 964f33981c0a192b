package rsarl.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MklKernelsTest {
    @TempDir
    Path dir;

    private Path file(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void intelCpusAndThePreloadedOverrideTakeMklsIntelKernels() throws IOException {
        Path intel = file("intel", "processor\t: 0\nvendor_id\t: GenuineIntel\n");
        Path amd = file("amd", "processor\t: 0\nvendor_id\t: AuthenticAMD\n");
        Path plain = file("maps", "7f00-7f01 r-xp 0 08:01 1 /usr/lib/libc.so.6\n");
        Path shimmed = file("maps2", "7f00-7f01 r-xp 0 08:01 1 /usr/lib/libc.so.6\n"
                + "7f02-7f03 r-xp 0 08:01 2 /work/rsa/build/" + MklKernels.SHIM + "\n");
        assertTrue(MklKernels.detect(intel, plain));
        assertFalse(MklKernels.detect(amd, plain));
        assertTrue(MklKernels.detect(amd, shimmed));
        assertFalse(MklKernels.detect(dir.resolve("absent"), dir.resolve("absent too")));
    }
}
