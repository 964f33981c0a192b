package rsarl.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;

/**
 * The chat template of a model folder, rendered as transformers' {@code apply_chat_template} renders it: the
 * folder's {@code chat_template.jinja}, else {@code chat_template} in {@code tokenizer_config.json}, run by
 * Jinjava with Jinja2's {@code trim_blocks}/{@code lstrip_blocks}, Python string methods and
 * {@code raise_exception}. A folder with neither falls back to the built-in {@link ChatTemplate} (with a one-line
 * notice on stderr).
 */
public final class FolderChatTemplate {
    private final String template;
    private final String source;
    /** bos_token, eos_token, ... of tokenizer_config.json, passed to the template as transformers does. */
    private final Map<String, String> specialTokens;
    private final Jinjava jinjava;

    private FolderChatTemplate(String template, String source, Map<String, String> specialTokens) {
        this.template = template == null ? null : JinjavaCompat.adapt(template);
        this.source = source;
        this.specialTokens = specialTokens;
        this.jinjava = template == null ? null : engine();
    }

    /** Reads the folder's chat template; the built-in ChatML template when the folder has none. */
    public static FolderChatTemplate forFolder(Path dir) {
        Path jinja = dir.resolve("chat_template.jinja");
        Path config = dir.resolve("tokenizer_config.json");
        try {
            JsonNode root = Files.isRegularFile(config) ? new ObjectMapper().readTree(config.toFile()) : null;
            Map<String, String> tokens = specialTokens(root);
            if (Files.isRegularFile(jinja)) {
                return new FolderChatTemplate(Files.readString(jinja, StandardCharsets.UTF_8), jinja.toString(), tokens);
            }
            String t = root == null ? null : fromConfig(root, config);
            if (t != null) {
                return new FolderChatTemplate(t, config + " chat_template", tokens);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the chat template of " + dir + ": " + e.getMessage(), e);
        }
        System.err.println("note: " + dir + " has no chat template (chat_template.jinja or tokenizer_config.json"
                + " chat_template); using the built-in Qwen ChatML template");
        return builtIn();
    }

    /** The built-in {@link ChatTemplate}. */
    public static FolderChatTemplate builtIn() {
        return new FolderChatTemplate(null, "built-in ChatML", Map.of());
    }

    /** A Jinja chat template given as text; {@code source} names it in errors. */
    public static FolderChatTemplate of(String jinjaTemplate, String source) {
        return new FolderChatTemplate(jinjaTemplate, source, Map.of());
    }

    /** The special tokens a config names, as plain strings or {@code {"content": ...}} objects. */
    private static Map<String, String> specialTokens(JsonNode root) {
        Map<String, String> out = new HashMap<>();
        for (String key : List.of("bos_token", "eos_token", "pad_token", "unk_token")) {
            JsonNode v = root == null ? null : root.get(key);
            if (v != null && v.isTextual()) {
                out.put(key, v.asText());
            } else if (v != null && v.path("content").isTextual()) {
                out.put(key, v.get("content").asText());
            }
        }
        return Map.copyOf(out);
    }

    private static String fromConfig(JsonNode root, Path config) {
        JsonNode t = root.get("chat_template");
        if (t == null || t.isNull()) {
            return null;
        }
        if (t.isTextual()) {
            return t.asText();
        }
        if (t.isArray()) {
            // transformers' named templates: [{"name": "default", "template": "..."}, ...]
            for (JsonNode named : t) {
                if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) {
                    return named.get("template").asText();
                }
            }
        }
        throw new IllegalArgumentException(config + ": chat_template must be a string or a list with a 'default'"
                + " entry");
    }

    /** Where the template came from (a file, or "built-in ChatML"). */
    public String source() {
        return source;
    }

    /** True when the folder had no template and the built-in one is used. */
    public boolean isBuiltIn() {
        return template == null;
    }

    /** Renders with thinking enabled (the templates' default). */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, true);
    }

    /** Renders {@code messages}; {@code enableThinking} is passed to the template as {@code enable_thinking}. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, boolean enableThinking) {
        if (template == null) {
            return ChatTemplate.render(messages, addGenerationPrompt, enableThinking);
        }
        List<Map<String, Object>> msgs = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            if (m == null || m.role() == null || m.content() == null) {
                throw new IllegalArgumentException("chat message " + i + " has no role or content");
            }
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            msgs.add(map);
        }
        Map<String, Object> context = new HashMap<>(specialTokens);
        context.put("messages", msgs);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("enable_thinking", enableThinking);
        RenderResult result = jinjava.renderForResult(template, context);
        for (TemplateError e : result.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new IllegalArgumentException("chat template " + source + " failed at line " + e.getLineno()
                        + ": " + message(e));
            }
        }
        return result.getOutput();
    }

    /** Raised by templates through {@code raise_exception('...')}, as transformers does. */
    public static String raiseException(String message) {
        throw new Raised(message);
    }

    /** The template's own {@code raise_exception} message where it raised one, else Jinjava's. */
    private static String message(TemplateError e) {
        for (Throwable t = e.getException(); t != null; t = t.getCause()) {
            if (t instanceof Raised) {
                return t.getMessage();
            }
        }
        return e.getMessage();
    }

    private static final class Raised extends RuntimeException {
        Raised(String message) {
            super(message, null, false, false);
        }
    }

    private static Jinjava engine() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PyStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                // Message contents are data: Jinjava would otherwise run "{{ ... }}" found inside them.
                .withNestedInterpretationEnabled(false)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .build();
        Jinjava j = new Jinjava(config);
        j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                FolderChatTemplate.class, "raiseException", String.class));
        return j;
    }
}
