package rsarl.rollout.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A request field {@code rsa serve} does not know is logged with a warning, as vLLM does. */
class IgnoredFieldsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void unknownFieldsAreNamedKnownOnesAreNot() throws Exception {
        var chat = JSON.readTree("{\"model\": \"m\", \"messages\": [], \"temprature\": 0.2, \"max_tokens\": 8,"
                + " \"user\": \"u\", \"seed\": 1, \"foo\": {}}");
        assertEquals(List.of("temprature", "foo"), IgnoredFields.of(chat, true));
        var completion = JSON.readTree("{\"prompt\": \"x\", \"messages\": [], \"echo\": false}");
        assertEquals(List.of("messages"), IgnoredFields.of(completion, false), "messages is a chat field");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        IgnoredFields.warn(chat, true, "/v1/chat/completions", new PrintStream(out, true, StandardCharsets.UTF_8));
        assertEquals("rsa serve: warning: /v1/chat/completions: the following fields were present in the request but"
                + " ignored: temprature, foo\n", out.toString(StandardCharsets.UTF_8));
        ByteArrayOutputStream none = new ByteArrayOutputStream();
        IgnoredFields.warn(JSON.readTree("{\"messages\": []}"), true, "/v1/chat/completions", new PrintStream(none));
        assertEquals(0, none.size());
    }
}
