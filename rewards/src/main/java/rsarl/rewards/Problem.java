package rsarl.rewards;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * One problem of a dataset, in the project's canonical form.
 *
 * @param id       stable identifier (used to key generations, resume and pools)
 * @param prompt   the question as shown to the model, including its own format instructions
 * @param answer   the gold answer (bare, in {@code $..$} or in {@code \boxed{}}); may be null for code
 * @param task     task kind: {@code math}, {@code choice}, {@code code}, {@code puzzle:<family>}, {@code general}
 * @param options  answer options for multiple choice (A, B, ... in order), else empty
 * @param tests    test cases for code tasks (raw JSON as given in the dataset), else null
 * @param metadata task-specific data for puzzle scorers (raw JSON), else null
 */
public record Problem(String id, String prompt, String answer, String task,
                      List<String> options, JsonNode tests, JsonNode metadata) {
    public Problem {
        options = options == null ? List.of() : List.copyOf(options);
    }

    public static Problem of(String id, String prompt, String answer, String task) {
        return new Problem(id, prompt, answer, task, List.of(), null, null);
    }
}
