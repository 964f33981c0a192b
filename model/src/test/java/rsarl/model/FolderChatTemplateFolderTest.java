package rsarl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rsarl.model.ChatMessage.assistant;
import static rsarl.model.ChatMessage.system;
import static rsarl.model.ChatMessage.user;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which template a folder gets, and the project's own template rendering exactly as {@link ChatTemplate}. */
class FolderChatTemplateFolderTest {
    private static final List<List<ChatMessage>> CHATS = List.of(
            List.of(system("You are a helpful assistant."), user("What is 12 + 30?")),
            List.of(user("Hi"), assistant("<think>\nx\n</think>\n\nHello!"), user("And 2+2?")),
            List.of(user("Q"), assistant("<think>\n\nreason\n\n</think>\n\n\nA")),
            List.of(user("Q"), assistant("<think>r1</think>A1"), assistant("A2")),
            List.of(user("Q"), assistant("A1"), assistant("A2")),
            List.of(system("S"), assistant("<think>r</think>A")),
            List.of(user("a"), system("b"), user("<tool_response>\n1\n</tool_response>")));

    @Test
    void projectTemplateRendersAsTheBuiltIn() {
        // BpeTokenizerBuilder writes this template into the project's own folders (models/tiny among them).
        FolderChatTemplate t = FolderChatTemplate.of(BpeTokenizerBuilder.chatTemplate(), "chatml_template.jinja");
        for (List<ChatMessage> chat : CHATS) {
            for (boolean agp : new boolean[] {true, false}) {
                for (boolean thinking : new boolean[] {true, false}) {
                    assertEquals(ChatTemplate.render(chat, agp, thinking), t.render(chat, agp, thinking),
                            chat + " agp=" + agp + " thinking=" + thinking);
                }
            }
        }
    }

    @Test
    void jinjaFileWinsOverTokenizerConfig(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"config {{ messages|length }}\"}");
        assertEquals("config 1", FolderChatTemplate.forFolder(dir).render(List.of(user("x")), true));
        Files.writeString(dir.resolve("chat_template.jinja"), "file {{ messages[0].content }}");
        FolderChatTemplate t = FolderChatTemplate.forFolder(dir);
        assertEquals("file x", t.render(List.of(user("x")), true));
        assertEquals(dir.resolve("chat_template.jinja").toString(), t.source());
    }

    @Test
    void specialTokensOfTheConfigReachTheTemplate(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": {\"content\": \"<s>\"},"
                + " \"eos_token\": \"</s>\", \"chat_template\": \"{{ bos_token }}{{ messages[0].content }}{{ eos_token }}\"}");
        assertEquals("<s>x</s>", FolderChatTemplate.forFolder(dir).render(List.of(user("x")), true));
    }

    @Test
    void namedTemplatesUseTheDefaultOne(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": [{\"name\": \"tool_use\","
                + " \"template\": \"tools\"}, {\"name\": \"default\", \"template\": \"plain{{ '!' if add_generation_prompt }}\"}]}");
        assertEquals("plain!", FolderChatTemplate.forFolder(dir).render(List.of(user("x")), true));
    }

    @Test
    void folderWithoutTemplateFallsBackWithANotice(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"<|im_end|>\"}");
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        FolderChatTemplate t;
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            t = FolderChatTemplate.forFolder(dir);
        } finally {
            System.setErr(err);
        }
        assertTrue(t.isBuiltIn());
        String notice = captured.toString(StandardCharsets.UTF_8);
        assertTrue(notice.contains(dir.toString()) && notice.contains("built-in"), notice);
        assertEquals(1, notice.strip().lines().count(), notice);
        assertEquals(ChatTemplate.render(CHATS.get(1), true, false), t.render(CHATS.get(1), true, false));
    }

    @Test
    void raiseExceptionAndBadTemplatesNameTheSource() {
        FolderChatTemplate t = FolderChatTemplate.of(
                "{% if messages[0].role != 'user' %}{{ raise_exception('first message must be user') }}{% endif %}ok",
                "strict.jinja");
        assertEquals("ok", t.render(List.of(user("x")), true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t.render(List.of(system("s")), true));
        assertTrue(e.getMessage().contains("strict.jinja") && e.getMessage().contains("first message must be user"),
                e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> FolderChatTemplate.of("{% for m in messages %}", "broken.jinja").render(List.of(user("x")), true));
        assertTrue(bad.getMessage().contains("broken.jinja"), bad.getMessage());
        assertFalse(t.isBuiltIn());
    }

    @Test
    void pythonStringMethodsFollowPython() {
        assertEquals(List.of("", "a", "", "b", ""), PyStringMethods.split("xaxxbx", "x"));
        assertEquals(List.of("a", "b"), PyStringMethods.split("  a \n b ", null));
        assertEquals("a\n", PyStringMethods.lstrip("\n\na\n", "\n"));
        assertEquals("\n\na", PyStringMethods.rstrip("\n\na\n", "\n"));
        assertEquals("xy", FolderChatTemplate.of("{{ ' x'.lstrip() + 'y\n\n'.rstrip('\n') }}", "t").render(List.of(), false));
    }
}
