package rsarl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import rsarl.model.LogProbs;
import rsarl.model.QwenModel;
import rsarl.model.QwenTokenizer;

import java.util.concurrent.Callable;

/** Per-token log-probabilities of a sequence under a model. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Print log p(token | prefix) for every token after the first "
                + "(prompt as --input-ids, --prompt or --raw).")
final class ScoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model = new ModelOptions();

    @Mixin
    TokenIdsOption input = new TokenIdsOption();

    @Option(names = "--json", description = "print {\"token_logprobs\": [...]}")
    boolean json;

    @Override
    public Integer call() throws Exception {
        input.validate();
        model.checkDir();
        QwenTokenizer tok = input.isText() ? TokenIdsOption.tokenizer(model.dir, input.textOption()) : null;
        try (QwenTokenizer closeTok = tok; QwenModel m = model.load()) {
            int[] ids = input.ids(m.config().vocabSize(), model.dir.toString(), tok);
            float[] lp = LogProbs.tokenLogprobs(m, ids);
            var out = spec.commandLine().getOut();
            if (json) {
                ObjectNode o = new ObjectMapper().createObjectNode();
                var arr = o.putArray("token_logprobs");
                for (float x : lp) arr.add(x);
                out.println(o);
            } else {
                double sum = 0;
                for (int i = 0; i < lp.length; i++) {
                    out.printf("%d\t%.6f%n", ids[i + 1], lp[i]);
                    sum += lp[i];
                }
                out.printf("sum\t%.6f%n", sum);
            }
            out.flush();
        }
        return 0;
    }
}
