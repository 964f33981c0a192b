package rsarl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.model.GenerationConfig;
import rsarl.model.Generator;
import rsarl.model.QwenModel;
import rsarl.model.QwenTokenizer;
import rsarl.model.SamplingParams;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** Continues one prompt with the model (KV-cache decoding). */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt: token ids (prints ids), or text via --prompt/--raw (prints text).")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model = new ModelOptions();

    @Mixin
    TokenIdsOption input = new TokenIdsOption();

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "default: ${DEFAULT-VALUE}")
    int maxNewTokens;

    @Option(names = "--temperature", description = "0 = greedy; default: DIR/generation_config.json, else greedy")
    Double temperature;

    @Option(names = "--top-p", description = "nucleus mass; default: DIR/generation_config.json, else 1")
    Double topP;

    @Option(names = "--top-k", description = "0 disables; default: DIR/generation_config.json, else 0")
    Integer topK;

    @Option(names = "--min-p", defaultValue = "0", description = "0 disables (default)")
    double minP;

    @Option(names = "--seed", defaultValue = "0", description = "sampling seed, default ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "stop once the output contains TEXT (repeatable; "
            + "uses DIR/tokenizer.json)")
    List<String> stop = new ArrayList<>();

    @Option(names = "--json", description = "print {\"token_ids\": [...], \"logprobs\": [...], \"finish_reason\": ...}"
            + " (with \"text\" first for --prompt/--raw)")
    boolean json;

    @Override
    public Integer call() throws Exception {
        input.validate();
        model.checkDir();
        GenerationConfig defaults = GenerationConfig.read(model.dir);
        double temperature = this.temperature != null ? this.temperature : defaults.temperature();
        double topP = this.topP != null ? this.topP : defaults.topP();
        int topK = this.topK != null ? this.topK : defaults.topK();
        // Built once here so bad sampling options fail before the model loads.
        SamplingParams params = new SamplingParams(temperature, topP, topK, minP, maxNewTokens, List.of(), stop);
        QwenTokenizer tok = null;
        if (input.isText()) {
            tok = TokenIdsOption.tokenizer(model.dir, input.textOption());
        } else if (!stop.isEmpty()) {
            tok = TokenIdsOption.tokenizer(model.dir, "--stop");
        }
        try (QwenTokenizer closeTok = tok; QwenModel m = model.load()) {
            int[] ids = input.ids(m.config().vocabSize(), model.dir.toString(), tok);
            // Text prompts also stop on the tokenizer's eos ids (the model config may list fewer).
            List<Integer> stopIds = tok == null ? List.of() : tok.eosIds();
            params = new SamplingParams(temperature, topP, topK, minP, maxNewTokens, stopIds, stop);
            Generator generator = new Generator(m);
            if (tok != null) generator = generator.withDetokenizer(tok::decode);
            Completion c = generator.generate(List.of(new GenerationRequest(ids, params, seed))).get(0);
            String text = input.isText() ? tok.decode(c.tokenIds(), true) : null;
            var out = spec.commandLine().getOut();
            if (json) {
                ObjectNode o = new ObjectMapper().createObjectNode();
                if (text != null) o.put("text", text);
                var t = o.putArray("token_ids");
                for (int x : c.tokenIds()) t.add(x);
                var l = o.putArray("logprobs");
                for (float x : c.logprobs()) l.add(x);
                o.put("finish_reason", c.finishReason());
                out.println(o);
            } else if (text != null) {
                out.println(text);
            } else {
                StringBuilder sb = new StringBuilder();
                for (int x : c.tokenIds()) sb.append(sb.length() == 0 ? "" : ",").append(x);
                out.println(sb);
            }
            out.flush();
        }
        return 0;
    }
}
