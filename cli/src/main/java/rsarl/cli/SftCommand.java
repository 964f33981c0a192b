package rsarl.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rsarl.trainer.SftConfig;
import rsarl.trainer.SftRun;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code rsa sft --config FILE.yaml [--set key.path=value ...]}: supervised fine-tuning on prompt/response pairs. */
@Command(name = "sft", mixinStandardHelpOptions = true,
        description = "Supervised fine-tuning on JSONL {prompt, response} pairs (chat-templated, loss on the response"
                + " only), with checkpoints and resume.")
public final class SftCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE.yaml", description = "sft config")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a config key, e.g. max_steps=10 "
            + "(repeatable)")
    List<String> overrides = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SftConfig cfg = SftConfig.load(config, overrides);
        long step = SftRun.run(cfg, System.err, -1);
        spec.commandLine().getOut().println("sft finished at step " + step + "; checkpoints and metrics.jsonl in "
                + cfg.outputDir());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
