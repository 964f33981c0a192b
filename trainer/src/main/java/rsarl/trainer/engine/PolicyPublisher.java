package rsarl.trainer.engine;

import rsarl.model.peft.PeftAdapter;
import rsarl.trainer.config.RolloutConfig;
import rsarl.trainer.model.LoraModel;
import rsarl.trainer.model.TrainableModel;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.stream.Stream;

/**
 * Weight sync, once per policy version v: writes {@code sync_dir/policy-v<v>/} (a PEFT adapter for
 * {@code weight_sync: lora}, the full HF checkpoint for {@code full}; both written to a temporary name and renamed)
 * and tells the server: {@code load_lora_adapter} under the new name {@code policy-v<v>} (never a reload in place:
 * stale prefix-cache entries, vllm#33791), or a reload from disk. Versions no rollout can use any more (older than
 * the newest {@code max_staleness + 1}) are unloaded and their folders deleted.
 */
public final class PolicyPublisher {
    private final RolloutServer server;
    private final RolloutConfig cfg;
    private final Path syncDir;
    private final TrainableModel policy;
    private final String servedModel;
    private final PrintStream log;
    private final Deque<Long> live = new ArrayDeque<>();
    private volatile long latest = -1;

    public PolicyPublisher(RolloutServer server, RolloutConfig cfg, Path syncDir, TrainableModel policy,
            String servedModel, PrintStream log) {
        if (cfg.weightSync() == RolloutConfig.WeightSync.LORA && !(policy instanceof LoraModel)) {
            throw new IllegalArgumentException("key 'rollout.weight_sync': lora needs lora.rank > 0");
        }
        this.server = server;
        this.cfg = cfg;
        this.syncDir = syncDir;
        this.policy = policy;
        this.servedModel = servedModel;
        this.log = log;
    }

    public static String name(long version) {
        return "policy-v" + version;
    }

    /** The newest version the server has, or -1 before the first {@link #publish}. */
    public long latest() {
        return latest;
    }

    /** The {@code model} a rollout of {@code version} asks for: its adapter, or the served model. */
    public String modelFor(long version) {
        return cfg.weightSync() == RolloutConfig.WeightSync.LORA ? name(version) : servedModel;
    }

    /** Writes and pushes version {@code version}; called on the trainer thread between updates. */
    public synchronized void publish(long version) throws IOException {
        if (version == latest) return;
        Path dir = syncDir.resolve(name(version)).toAbsolutePath();
        long t0 = System.nanoTime();
        if (cfg.weightSync() == RolloutConfig.WeightSync.LORA) {
            PeftAdapter a = ((LoraModel) policy).peft();
            a.write(dir);
            server.loadAdapter(name(version), dir.toString());
        } else {
            policy.save(dir);
            server.updateWeights(dir.toString(), version);
        }
        latest = version;
        live.addLast(version);
        while (live.size() > cfg.maxStaleness() + 1) {
            long old = live.removeFirst();
            if (cfg.weightSync() == RolloutConfig.WeightSync.LORA) server.unloadAdapter(name(old));
            deleteTree(syncDir.resolve(name(old)));
        }
        if (version > 0 && version % 50 == 0) {
            log.println(String.format(java.util.Locale.ROOT, "policy version %d synced to %s in %.1f s", version,
                    dir, (System.nanoTime() - t0) / 1e9));
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
