package rsarl.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The reference checkpoints under src/test/resources/fixtures and their expected outputs. */
final class Fixtures {
    static final String QWEN3 = "qwen3-tiny-a";
    static final String QWEN2 = "qwen2-tiny";

    private Fixtures() {
    }

    static Path dir(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/" + name + "/config.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode expected(String name) {
        return QwenConfig.readJson(dir(name).resolve("expected.json"));
    }

    static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).intValue();
        return out;
    }

    static float[] floats(JsonNode arr) {
        float[] out = new float[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) arr.get(i).doubleValue();
        return out;
    }
}
