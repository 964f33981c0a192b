package rsarl.rollout.config;

import rsarl.rollout.assets.Assets;

/**
 * The problems to run.
 *
 * @param path  a JSONL file of problems
 * @param task  task kind for problems whose line names none ({@code math}, {@code choice}, {@code code},
 *              {@code puzzle:<family>}, {@code general}); a line's own task wins
 * @param limit use only the first {@code limit} problems (null: all)
 * @param generate how to create the problems file when it is missing (null: it must exist)
 */
public record DataConfig(String path, String task, Integer limit, Assets.DataGenerate generate) {
    public DataConfig {
        Check.required("path", path);
        if (limit != null) {
            Check.atLeast("limit", limit, 1);
        }
    }

    public DataConfig(String path, String task, Integer limit) {
        this(path, task, limit, null);
    }
}
