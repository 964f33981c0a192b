package rsarl.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import rsarl.trainer.config.TrainConfig;
import rsarl.trainer.grpo.TrainRun;

import java.util.concurrent.Callable;

/** {@code rsa train --config FILE.yaml [--set key.path=value ...]}: aggregation-aware RL (GRPO/RLOO family). */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Aggregation-aware RL: standard and aggregation prompts, G samples each, verifier rewards,"
                + " GRPO/RLOO updates, checkpoints and resume.")
public final class TrainCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        java.nio.file.Path file = options.configOrPrint(spec, TrainConfig.class, "train-defaults.yaml");
        if (file == null) {
            return 0;
        }
        TrainConfig cfg = TrainConfig.load(file, options.overrides);
        long step = TrainRun.run(cfg, System.err, -1);
        spec.commandLine().getOut().println("train finished at step " + step + "; checkpoints and metrics.jsonl in "
                + cfg.outputDir());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
