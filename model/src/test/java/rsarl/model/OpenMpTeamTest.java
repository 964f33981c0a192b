package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class OpenMpTeamTest {
    private static final String NAME = "omp-team-test";

    /** OpenMP workers are cloned from the thread that starts their team and carry its name: count those tasks. */
    private static long tasksNamed(String name) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(t -> {
                try {
                    return Files.readString(t.resolve("comm")).strip().equals(name);
                } catch (IOException e) {
                    return false; // the task ended while we looked
                }
            }).count();
        }
    }

    private static float[] parallelWork(NDManager m) {
        // an element-wise op over 4M floats is split across the intra-op threads
        NDArray x = m.arange(0f, 1 << 22).div(1 << 20);
        return x.exp().sum(new int[] {0}).toFloatArray();
    }

    @Test
    void releaseFreesTheCallingThreadsWorkersAndTheNextOpBuildsThemAgain() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux /proc");
        ai.djl.engine.Engine.getEngine("PyTorch"); // loads libtorch
        int threads = JniUtils.getNumThreads();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] counts = new long[3];
        float[][] sums = new float[2][];
        JniUtils.setNumThreads(2);
        try (NDManager m = NDManager.newBaseManager()) {
            Thread t = new Thread(() -> {
                try {
                    sums[0] = parallelWork(m);
                    counts[0] = tasksNamed(NAME);
                    assertTrue(OpenMpTeam.release(), "libtorch's libgomp takes the call");
                    counts[1] = tasksNamed(NAME);
                    sums[1] = parallelWork(m);
                    counts[2] = tasksNamed(NAME);
                    OpenMpTeam.release();
                } catch (Throwable e) {
                    failure.set(e);
                }
            }, NAME);
            t.start();
            t.join();
        } finally {
            JniUtils.setNumThreads(threads);
        }
        if (failure.get() != null) throw new AssertionError(failure.get());
        assumeTrue(counts[0] > 1, "no OpenMP workers started (one CPU?)");
        assertEquals(1, counts[1], "only the thread itself is left once its team is released");
        assertEquals(counts[0], counts[2], "the next parallel op starts the team again");
        assertArrayEquals(sums[0], sums[1], "results do not depend on the team being rebuilt");
    }

    @Test
    void releaseOnAThreadWithoutATeamIsHarmless() {
        OpenMpTeam.release();
        OpenMpTeam.release();
        try (NDManager m = NDManager.newBaseManager()) {
            assertEquals(parallelWork(m)[0], parallelWork(m)[0]);
        }
    }
}
