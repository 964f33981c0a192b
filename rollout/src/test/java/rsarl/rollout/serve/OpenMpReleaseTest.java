package rsarl.rollout.serve;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.model.SamplingParams;
import rsarl.rollout.TinyModel;
import rsarl.rollout.backend.LocalEngine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Torch threads of a server that are done decoding hold no OpenMP workers (see {@link rsarl.model.OpenMpTeam}): the
 * thread that starts a server, and a scheduler once its queue is empty.
 */
class OpenMpReleaseTest {
    /** Native tasks named {@code name} that are not Java threads: OpenMP workers cloned from such a thread. */
    private static long workersOf(String name) throws IOException {
        long javaThreads = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).count();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(t -> {
                try {
                    return Files.readString(t.resolve("comm")).strip().equals(name);
                } catch (IOException e) {
                    return false; // the task ended while we looked
                }
            }).count() - javaThreads;
        }
    }

    /** An element-wise op over 4M floats: split across the intra-op threads, so it starts this thread's team. */
    private static void parallelWork() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.arange(0f, 1 << 22).div(1 << 20).exp().sum().getFloat();
        }
    }

    @Test
    void theThreadThatStartsAServerAndAnIdleSchedulerHoldNoWorkers(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux /proc");
        ai.djl.engine.Engine.getEngine("PyTorch");
        int threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(2);
        try (LocalEngine engine = LocalEngine.load(TinyModel.create(tmp.resolve("m"), 3), "cpu")) {
            long[] starter = new long[2];
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    parallelWork();
                    starter[0] = workersOf("serve-starter");
                    OpenAiServer.start(engine, ServeOptions.defaults("m", 0)).close();
                    starter[1] = workersOf("serve-starter");
                } catch (Throwable e) {
                    failure.set(e);
                }
            }, "serve-starter");
            t.start();
            t.join();
            if (failure.get() != null) throw new AssertionError(failure.get());
            assumeTrue(starter[0] > 0, "no OpenMP workers started (one CPU?)");
            assertEquals(0, starter[1], "starting a server frees the caller's workers");

            long[] during = new long[1];
            try (BatchScheduler s = new BatchScheduler(batch -> {
                parallelWork();
                try {
                    during[0] = workersOf("batch-scheduler");
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                return batch.stream().map(r -> new Completion(new int[] {1}, new float[] {0f}, "stop")).toList();
            }, 4, Duration.ofMillis(1))) {
                s.submit(List.of(new GenerationRequest(new int[] {1, 2}, SamplingParams.greedy(1), 0))).get(0)
                        .get(30, TimeUnit.SECONDS);
                assertEquals(starter[0], during[0], "the batch ran on the scheduler's own team");
                // the scheduler frees its workers when it next finds the queue empty
                for (int i = 0; i < 500 && workersOf("batch-scheduler") > 0; i++) Thread.sleep(10);
                assertEquals(0, workersOf("batch-scheduler"), "an idle scheduler holds no workers");
            }
        } finally {
            JniUtils.setNumThreads(threads);
        }
    }
}
