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

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Per-token log-probabilities of a sequence under a model. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Print log p(token | prefix) for every token after the first.")
final class ScoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "HF-layout checkpoint directory")
    Path model;

    @Mixin
    TokenIdsOption prompt = new TokenIdsOption();

    @Option(names = "--json", description = "print {\"token_logprobs\": [...]}")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (QwenModel m = QwenModel.load(model)) {
            int[] ids = prompt.ids(m.config().vocabSize(), model.toString());
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
