package rsarl.model;

import java.util.List;

/**
 * Qwen ChatML rendering, equal to what Qwen3's {@code tokenizer_config.json} {@code chat_template} produces
 * (Jinja, no tools) for system, user and assistant messages:
 * <ul>
 *   <li>every turn is {@code <|im_start|>role\ncontent<|im_end|>\n};</li>
 *   <li>an assistant turn before the last user query loses its {@code <think>...</think>} block;</li>
 *   <li>an assistant turn after the last user query is written as {@code <think>\nR\n</think>\n\nC} when it
 *       is the last message or has reasoning R (an empty R still gives the empty think block);</li>
 *   <li>the generation prompt is {@code <|im_start|>assistant\n}, followed by {@code <think>\n\n</think>\n\n}
 *       when thinking is disabled.</li>
 * </ul>
 */
public final class ChatTemplate {
    private static final String THINK_OPEN = "<think>";
    private static final String THINK_CLOSE = "</think>";

    private ChatTemplate() {
    }

    /** Renders with thinking enabled (the template's default). */
    public static String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, true);
    }

    /** Renders; {@code enableThinking=false} pre-fills an empty think block after the generation prompt. */
    public static String render(List<ChatMessage> messages, boolean addGenerationPrompt, boolean enableThinking) {
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            if (m == null || m.role() == null || m.content() == null) {
                throw new IllegalArgumentException("chat message " + i + " has no role or content");
            }
            if (!m.role().equals("system") && !m.role().equals("user") && !m.role().equals("assistant")) {
                throw new IllegalArgumentException("chat message " + i + " has unsupported role '" + m.role()
                        + "' (expected system, user or assistant)");
            }
        }
        StringBuilder out = new StringBuilder();
        int lastQuery = lastQueryIndex(messages);
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            if (m.role().equals("assistant")) {
                out.append(assistantTurn(m.content(), i > lastQuery, i == messages.size() - 1));
            } else {
                // A leading system message and every other system/user turn render the same way.
                out.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
            }
        }
        if (addGenerationPrompt) {
            out.append("<|im_start|>assistant\n");
            if (!enableThinking) {
                out.append("<think>\n\n</think>\n\n");
            }
        }
        return out.toString();
    }

    /** Index of the last user message that is not a tool response; the last index when there is none. */
    private static int lastQueryIndex(List<ChatMessage> messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            ChatMessage m = messages.get(i);
            String c = m.content();
            boolean toolResponse = c.startsWith("<tool_response>") && c.endsWith("</tool_response>");
            if (m.role().equals("user") && !toolResponse) {
                return i;
            }
        }
        return messages.size() - 1;
    }

    private static String assistantTurn(String raw, boolean afterLastQuery, boolean last) {
        String content = raw;
        String reasoning = "";
        int close = raw.indexOf(THINK_CLOSE);
        if (close >= 0) {
            // Template: content = split('</think>')[-1].lstrip('\n');
            // reasoning = split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n').
            content = stripLeadingNewlines(raw.substring(raw.lastIndexOf(THINK_CLOSE) + THINK_CLOSE.length()));
            String before = stripTrailingNewlines(raw.substring(0, close));
            int open = before.lastIndexOf(THINK_OPEN);
            reasoning = stripLeadingNewlines(open >= 0 ? before.substring(open + THINK_OPEN.length()) : before);
        }
        StringBuilder b = new StringBuilder("<|im_start|>assistant\n");
        if (afterLastQuery && (last || !reasoning.isEmpty())) {
            b.append("<think>\n").append(stripTrailingNewlines(stripLeadingNewlines(reasoning)))
                    .append("\n</think>\n\n").append(stripLeadingNewlines(content));
        } else {
            b.append(content);
        }
        return b.append("<|im_end|>\n").toString();
    }

    private static String stripLeadingNewlines(String s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) == '\n') {
            i++;
        }
        return s.substring(i);
    }

    private static String stripTrailingNewlines(String s) {
        int j = s.length();
        while (j > 0 && s.charAt(j - 1) == '\n') {
            j--;
        }
        return s.substring(0, j);
    }
}
