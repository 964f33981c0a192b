package rsarl.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rsarl.trainer.TrainConfig;
import rsarl.trainer.TrainRun;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code rsa train --config FILE.yaml [--set key.path=value ...]}: aggregation-aware RL (GRPO/RLOO family). */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Aggregation-aware RL: standard and aggregation prompts, G samples each, verifier rewards,"
                + " GRPO/RLOO updates, checkpoints and resume.")
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE.yaml", description = "train config")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a config key, e.g. resume=auto or"
            + " aggregation.ratio=0 (repeatable)")
    List<String> overrides = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        TrainConfig cfg = TrainConfig.load(config, overrides);
        long step = TrainRun.run(cfg, System.err, -1);
        spec.commandLine().getOut().println("train finished at step " + step + "; checkpoints and metrics.jsonl in "
                + cfg.outputDir());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
