package rsarl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rsarl.model.ChatMessage.user;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tokenizer's folder decides the chat template its prompts are rendered with. */
class QwenTokenizerChatTemplateTest {

    @Test
    void projectFolderKeepsTheChatMlRender(@TempDir Path tmp) {
        Path dir = new BpeTokenizerBuilder(300).write(tmp.resolve("tok")).dir();
        try (QwenTokenizer tok = QwenTokenizer.load(dir)) {
            FolderChatTemplate t = tok.chatTemplate();
            assertFalse(t.isBuiltIn(), "the project's folders carry their Jinja template");
            assertSame(t, tok.chatTemplate());
            List<ChatMessage> chat = List.of(ChatMessage.system("be brief"), user("what is 7 * 6?"));
            assertEquals(ChatTemplate.render(chat, true, false), t.render(chat, true, false));
        }
    }

    @Test
    void droppedInQwen25TemplateIsUsed(@TempDir Path tmp) throws IOException {
        Path dir = new BpeTokenizerBuilder(300).write(tmp.resolve("tok")).dir();
        Files.writeString(dir.resolve("chat_template.jinja"), FolderChatTemplateTest.resource("qwen2.5-instruct.jinja"));
        try (QwenTokenizer tok = QwenTokenizer.load(dir)) {
            assertEquals("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant."
                    + "<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
                    tok.chatTemplate().render(List.of(user("hi")), true));
        }
    }

    @Test
    void realQwen3TokenizerFolderUsesItsOwnTemplate() throws IOException {
        Path dir = QwenTokenizerFixture.dir(); // skipped where npm or its registry is unreachable
        try (QwenTokenizer tok = QwenTokenizer.load(dir)) {
            FolderChatTemplate t = tok.chatTemplate();
            assertFalse(t.isBuiltIn());
            assertTrue(t.source().endsWith("tokenizer_config.json chat_template"), t.source());
            FolderChatTemplate resource = FolderChatTemplate.of(FolderChatTemplateTest.resource("qwen3.jinja"), "qwen3");
            List<ChatMessage> chat = List.of(user("Hi"), ChatMessage.assistant("<think>\nr\n</think>\n\nHello!"),
                    user("2+2?"));
            assertEquals(resource.render(chat, true, false), t.render(chat, true, false));
            assertTrue(t.render(chat, true, false).endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"));
        }
    }
}
