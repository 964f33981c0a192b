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
import rsarl.model.Generator;
import rsarl.model.QwenModel;
import rsarl.model.SamplingParams;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** Continues one prompt with the model (KV-cache decoding). */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Continue a prompt given as token ids.")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "HF-layout checkpoint directory")
    Path model;

    @Mixin
    TokenIdsOption prompt = new TokenIdsOption();

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "default: ${DEFAULT-VALUE}")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default)")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1", description = "nucleus mass, default ${DEFAULT-VALUE}")
    double topP;

    @Option(names = "--top-k", defaultValue = "0", description = "0 disables (default)")
    int topK;

    @Option(names = "--min-p", defaultValue = "0", description = "0 disables (default)")
    double minP;

    @Option(names = "--seed", defaultValue = "0", description = "sampling seed, default ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--json", description = "print {\"token_ids\": [...], \"logprobs\": [...], \"finish_reason\": ...}")
    boolean json;

    @Override
    public Integer call() throws Exception {
        SamplingParams params = new SamplingParams(temperature, topP, topK, minP, maxNewTokens, List.of(), List.of());
        try (QwenModel m = QwenModel.load(model)) {
            int[] ids = prompt.ids(m.config().vocabSize(), model.toString());
            Completion c = new Generator(m).generate(List.of(new GenerationRequest(ids, params, seed))).get(0);
            var out = spec.commandLine().getOut();
            if (json) {
                ObjectNode o = new ObjectMapper().createObjectNode();
                var t = o.putArray("token_ids");
                for (int x : c.tokenIds()) t.add(x);
                var l = o.putArray("logprobs");
                for (float x : c.logprobs()) l.add(x);
                o.put("finish_reason", c.finishReason());
                out.println(o);
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
