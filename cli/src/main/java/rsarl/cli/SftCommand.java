package rsarl.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import rsarl.trainer.config.SftConfig;
import rsarl.trainer.sft.SftRun;

import java.util.concurrent.Callable;

/** {@code rsa sft --config FILE.yaml [--set key.path=value ...]}: supervised fine-tuning on prompt/response pairs. */
@Command(name = "sft", mixinStandardHelpOptions = true,
        description = "Supervised fine-tuning on JSONL {prompt, response} pairs (chat-templated, loss on the response"
                + " only), with checkpoints and resume.")
public final class SftCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        java.nio.file.Path file = options.configOrPrint(spec, SftConfig.class, "sft-defaults.yaml");
        if (file == null) {
            return 0;
        }
        SftConfig cfg = SftConfig.load(file, options.overrides);
        long step = SftRun.run(cfg, System.err, -1);
        spec.commandLine().getOut().println("sft finished at step " + step + "; checkpoints and metrics.jsonl in "
                + cfg.outputDir());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
