package rsarl.rewards;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

final class ProblemFixtures {
    private ProblemFixtures() {
    }

    static Problem countdown(List<Integer> numbers, int target) {
        ObjectNode meta = JsonNodeFactory.instance.objectNode();
        numbers.forEach(meta.putArray("numbers")::add);
        meta.put("target", target);
        return new Problem("cd", "make " + target, "", "puzzle:countdown", List.of(), null, meta);
    }
}
