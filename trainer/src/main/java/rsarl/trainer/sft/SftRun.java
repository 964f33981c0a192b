package rsarl.trainer.sft;

import ai.djl.Device;
import rsarl.model.ChatMessage;
import rsarl.model.QwenModel;
import rsarl.model.QwenTokenizer;
import rsarl.trainer.config.ModelDtype;
import rsarl.trainer.config.SftConfig;
import rsarl.trainer.model.QwenModels;
import rsarl.trainer.model.TrainableModel;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code rsa sft} on a Qwen model: JSONL prompt/response pairs, the prompt chat-templated with the generation prompt,
 * the loss on the response tokens only. The response tokens are exactly what the Qwen3 template appends after the
 * generation prompt for a final assistant turn (its empty think block, the text, {@code <|im_end|>}), so the model
 * learns the format it will later be sampled in.
 */
public final class SftRun {
    private SftRun() {}

    /** Trains to the configured length (or stops after step {@code stopAfter}; -1 for none); returns the last step. */
    public static long run(SftConfig cfg, PrintStream log, long stopAfter) throws IOException {
        Device device = QwenModels.device(cfg.device());
        List<SftExample> examples = SftExample.read(Path.of(cfg.data().train()));
        try (QwenTokenizer tok = QwenModels.tokenizer(cfg.model(), "model");
             QwenModel model = QwenModels.load(cfg.model(), device, "model", ModelDtype.of(cfg.dtype()))) {
            TrainableModel policy = QwenModels.trainable(model, cfg.lora(), cfg.seed(), device, cfg.gradientCheckpointing());
            try {
                SftTrainer.Encoder enc = e -> encode(tok, cfg.data().systemPrompt(), e);
                return new SftTrainer(cfg, examples, enc, policy, QwenModels.padId(tok), log).run(stopAfter);
            } finally {
                QwenModels.closeIfNeeded(policy);
            }
        }
    }

    /** {@code {promptIds, responseIds}} of one example (see the class comment). */
    static int[][] encode(QwenTokenizer tok, String systemPrompt, SftExample e) {
        List<ChatMessage> messages = new ArrayList<>();
        if (systemPrompt != null && !systemPrompt.isBlank()) {
            messages.add(ChatMessage.system(systemPrompt));
        }
        messages.add(ChatMessage.user(e.prompt()));
        String prompt = tok.chatTemplate().render(messages, true);
        messages.add(ChatMessage.assistant(e.response()));
        String full = tok.chatTemplate().render(messages, false);
        String response = full.startsWith(prompt) ? full.substring(prompt.length())
                : e.response() + QwenTokenizer.IM_END;
        if (response.endsWith(QwenTokenizer.IM_END + "\n")) {
            response = response.substring(0, response.length() - 1); // train up to the end-of-turn token
        }
        return new int[][] {tok.encode(prompt), tok.encode(response)};
    }
}
