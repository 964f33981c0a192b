package rsarl.rewards;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Which columns of a dataset hold the prompt, the answer and the id (verl's {@code data.prompt_key},
 * {@code data.answer_key}; {@code id_key}). A null key keeps {@link ProblemReader}'s built-in names. A key may be a
 * dotted path into nested objects, e.g. {@code reward_model.ground_truth} or {@code extra_info.index}.
 */
public record ProblemFields(String promptKey, String answerKey, String idKey) {
    public static final ProblemFields DEFAULT = new ProblemFields(null, null, null);

    public boolean isDefault() {
        return promptKey == null && answerKey == null && idKey == null;
    }

    /** The value at a dotted path, or null when absent or JSON null. */
    static JsonNode at(JsonNode o, String path) {
        JsonNode n = o;
        for (String part : path.split("\\.")) {
            n = n == null ? null : n.get(part);
        }
        return n == null || n.isNull() ? null : n;
    }
}
