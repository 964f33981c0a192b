package rsarl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real Qwen2.5-Instruct and Qwen3 chat templates rendered by {@link FolderChatTemplate} against
 * {@code chat-templates/expected.json}: renders by Jinja2 with transformers' settings
 * ({@code scripts/chat_template_expected.py}).
 */
class FolderChatTemplateTest {

    static Stream<Arguments> cases() throws IOException {
        JsonNode all = new ObjectMapper().readTree(resource("expected.json"));
        List<Arguments> out = new ArrayList<>();
        for (JsonNode c : all) {
            out.add(Arguments.of(c.get("template").asText() + ": " + c.get("name").asText() + " agp="
                    + c.get("add_generation_prompt").asBoolean() + " thinking=" + c.get("enable_thinking"), c));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersAsTransformers(String name, JsonNode c) throws IOException {
        FolderChatTemplate t = FolderChatTemplate.of(resource(c.get("template").asText()), name);
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode m : c.get("messages")) {
            messages.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
        }
        JsonNode thinking = c.get("enable_thinking");
        String got = t.render(messages, c.get("add_generation_prompt").asBoolean(),
                thinking.isNull() || thinking.asBoolean());
        assertEquals(c.get("expected").asText(), got);
        assertFalse(t.isBuiltIn());
    }

    static String resource(String name) throws IOException {
        try (InputStream in = FolderChatTemplateTest.class.getResourceAsStream("/chat-templates/" + name)) {
            assertTrue(in != null, "test resource chat-templates/" + name + " missing");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
