package rsarl.rollout.eval;

import rsarl.rewards.Problem;
import rsarl.rollout.config.DataConfig;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/** Loads the problems a {@code data} section names: reads the file, fills in the default task, applies the limit. */
public final class ProblemSet {
    private ProblemSet() {
    }

    public static List<Problem> load(DataConfig data, Function<Path, List<Problem>> reader) {
        // Other column names need the reader that knows them; the injected one reads the built-in names.
        List<Problem> all = data.fields().isDefault() ? reader.apply(Path.of(data.path()))
                : rsarl.rewards.ProblemReader.read(Path.of(data.path()), data.task() == null ? "math" : data.task(),
                        data.fields());
        if (all.isEmpty()) {
            throw new IllegalArgumentException(data.path() + ": no problems");
        }
        List<Problem> chosen = data.limit() == null ? all : all.subList(0, Math.min(data.limit(), all.size()));
        return chosen.stream().map(p -> withTask(p, data)).toList();
    }

    private static Problem withTask(Problem p, DataConfig data) {
        if (p.task() != null && !p.task().isBlank()) {
            return p;
        }
        if (data.task() == null) {
            throw new IllegalArgumentException(data.path() + ": problem '" + p.id() + "' has no task and data.task is not set");
        }
        return new Problem(p.id(), p.prompt(), p.answer(), data.task(), p.options(), p.tests(), p.metadata());
    }
}
