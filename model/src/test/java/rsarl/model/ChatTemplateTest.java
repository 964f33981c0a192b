package rsarl.model;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rsarl.model.ChatMessage.assistant;
import static rsarl.model.ChatMessage.system;
import static rsarl.model.ChatMessage.user;

/** Expected strings follow Qwen3's chat_template (tokenizer_config.json of Qwen3, no tools). */
class ChatTemplateTest {

    @Test
    void systemUserAndGenerationPrompt() {
        String s = ChatTemplate.render(List.of(system("You are a helpful assistant."), user("What is 12 + 30?")), true);
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nWhat is 12 + 30?<|im_end|>\n"
                + "<|im_start|>assistant\n", s);
    }

    @Test
    void noGenerationPromptEndsAfterLastTurn() {
        assertEquals("<|im_start|>user\nhi<|im_end|>\n", ChatTemplate.render(List.of(user("hi")), false));
    }

    @Test
    void historicalAssistantLosesThinkingAndFinalAssistantGetsThinkBlock() {
        String s = ChatTemplate.render(List.of(user("Hi"), assistant("<think>\nx\n</think>\n\nHello!"),
                user("2+2?"), assistant("4")), false);
        assertEquals("<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello!<|im_end|>\n"
                + "<|im_start|>user\n2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\n\n</think>\n\n4<|im_end|>\n", s);
    }

    @Test
    void finalAssistantKeepsItsReasoningWithNewlinesNormalised() {
        String s = ChatTemplate.render(List.of(user("Q"), assistant("<think>\n\nreason\n\n</think>\n\n\nA")), false);
        assertEquals("<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>\nreason\n</think>\n\nA<|im_end|>\n", s);
    }

    @Test
    void assistantTurnsAfterLastQuery() {
        // A non-last assistant turn after the query keeps its think block only when it has reasoning.
        String s = ChatTemplate.render(List.of(user("Q"), assistant("<think>r1</think>A1"), assistant("A2")), true);
        assertEquals("<|im_start|>user\nQ<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\nr1\n</think>\n\nA1<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\n\n</think>\n\nA2<|im_end|>\n"
                + "<|im_start|>assistant\n", s);
        String plain = ChatTemplate.render(List.of(user("Q"), assistant("A1"), assistant("A2")), false);
        assertTrue(plain.contains("<|im_start|>assistant\nA1<|im_end|>\n"), plain);
    }

    @Test
    void withoutUserMessageAssistantIsRenderedPlain() {
        String s = ChatTemplate.render(List.of(system("S"), assistant("<think>r</think>A")), false);
        assertEquals("<|im_start|>system\nS<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n", s);
    }

    @Test
    void laterSystemMessageRendersAsATurn() {
        assertEquals("<|im_start|>user\na<|im_end|>\n<|im_start|>system\nb<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.render(List.of(user("a"), system("b")), true));
    }

    @Test
    void disabledThinkingPrefillsEmptyThinkBlock() {
        assertEquals("<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
                ChatTemplate.render(List.of(user("Q")), true, false));
        assertEquals("<|im_start|>user\nQ<|im_end|>\n", ChatTemplate.render(List.of(user("Q")), false, false));
    }

    @Test
    void unknownRoleIsRejectedWithItsIndex() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChatTemplate.render(List.of(user("a"), new ChatMessage("tool", "x")), true));
        assertTrue(e.getMessage().contains("chat message 1") && e.getMessage().contains("tool"), e.getMessage());
    }
}
