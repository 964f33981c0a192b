package rsarl.rollout.config;

import rsarl.rollout.assets.Assets;

/**
 * The problems to run.
 *
 * @param path  a JSONL or Parquet file of problems
 * @param task  task kind for problems whose line names none ({@code math}, {@code choice}, {@code code},
 *              {@code puzzle:<family>}, {@code general}); a line's own task wins
 * @param limit use only the first {@code limit} problems (null: all)
 * @param generate how to create the problems file when it is missing (null: it must exist)
 * @param promptKey column of the prompt (verl's {@code data.prompt_key}; null: the built-in names), dotted for nesting
 * @param answerKey column of the gold answer (verl's {@code data.answer_key}; null: built-in names)
 * @param idKey     column of the problem id (null: built-in names, else the row number)
 */
public record DataConfig(String path, String task, Integer limit, Assets.DataGenerate generate, String promptKey,
                         String answerKey, String idKey) {
    public DataConfig {
        if (limit != null) {
            Check.atLeast("limit", limit, 1);
        }
        Check.required("path", path); // last: a missing key sets the section aside, hiding checks after it
    }

    /** The problems file must exist unless {@code generate} creates it; {@code section} is this config's key. */
    void checkFile(ConfigErrors errors, String section) {
        if (generate == null && !errors.covered(section + ".generate")) {
            errors.requireFile(section + ".path", path);
        }
    }

    public DataConfig(String path, String task, Integer limit) {
        this(path, task, limit, null, null, null, null);
    }

    /** The columns to read prompt, answer and id from. */
    public rsarl.rewards.ProblemFields fields() {
        return new rsarl.rewards.ProblemFields(promptKey, answerKey, idKey);
    }
}
