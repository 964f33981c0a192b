package rsarl.model;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Frees the calling thread's OpenMP worker team (libgomp's {@code omp_pause_resource_all}, soft pause), for a thread
 * that is done with torch work for a while.
 *
 * <p>Why: every thread that has run a parallel torch op keeps its own team of idle workers, and libgomp lets idle
 * workers spin for the next parallel region only while it manages no more threads than there are CPUs. One extra
 * team (the main thread that loaded the model, beside a server's scheduler thread that decodes) makes every worker
 * sleep between ops, and each op then pays a wake-up: a decode step at 2 threads ran ~20% slower and the process
 * used 1.65 instead of 2 cores. Releasing is always safe: the thread's next parallel op builds a team again
 * (one thread start, ~0.1 ms). A no-op where libtorch's OpenMP is not libgomp (or not on Linux).
 */
public final class OpenMpTeam {
    /** {@code omp_pause_soft}: frees the threads, keeps nothing that needs re-initialising. */
    private static final int OMP_PAUSE_SOFT = 1;
    private static final List<Function> PAUSE = pauseFunctions();

    private OpenMpTeam() {
    }

    /**
     * Frees this thread's OpenMP team, if it has one (call outside any parallel region, between torch ops).
     *
     * @return whether a libgomp was found and took the call
     */
    public static boolean release() {
        boolean done = false;
        for (Function f : PAUSE) {
            try {
                done |= f.invokeInt(new Object[] {OMP_PAUSE_SOFT}) == 0;
            } catch (RuntimeException | LinkageError e) {
                // callers run this in finally blocks: a failed release must never fail their work
            }
        }
        return done;
    }

    /** The pause entry of each libgomp mapped into this process (libtorch ships its own, under a hashed name). */
    private static List<Function> pauseFunctions() {
        List<Function> out = new ArrayList<>();
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) return out;
        try {
            ai.djl.engine.Engine.getEngine("PyTorch"); // loads libtorch (and its libgomp) if not yet loaded
            Set<String> libs = new LinkedHashSet<>();
            for (String line : Files.readAllLines(maps)) {
                int at = line.indexOf('/');
                if (at < 0) continue;
                String path = line.substring(at);
                String name = path.substring(path.lastIndexOf('/') + 1);
                if (name.startsWith("libgomp") && name.contains(".so")) libs.add(path);
            }
            for (String lib : libs) out.add(NativeLibrary.getInstance(lib).getFunction("omp_pause_resource_all"));
        } catch (IOException | LinkageError | RuntimeException e) {
            // no libgomp, or one without OpenMP 5.0's pause: nothing to release
            out.clear();
        }
        return List.copyOf(out);
    }
}
