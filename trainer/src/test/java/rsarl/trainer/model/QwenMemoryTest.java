package rsarl.trainer.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.QwenModel;
import rsarl.model.QwenTokenizer;
import rsarl.rewards.Problem;
import rsarl.trainer.TinyQwen;
import rsarl.trainer.config.TrainConfig;
import rsarl.trainer.grpo.AggregationSource;
import rsarl.trainer.grpo.BatchPlanner;
import rsarl.trainer.grpo.GrpoTrainer;
import rsarl.trainer.grpo.QwenRollouts;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Repeated rollout + update steps on the Qwen model leave no native arrays behind in the model's manager. */
class QwenMemoryTest {
    @Test
    void stepsDoNotGrowTheModelsArrays(@TempDir Path dir) throws Exception {
        Path m = TinyQwen.create(dir.resolve("m"), 6);
        Files.writeString(dir.resolve("p.jsonl"), "{}\n");
        Files.writeString(dir.resolve("t.yaml"), "model: " + m + "\noutput_dir: " + dir.resolve("o") + "\ndata:\n"
                + "  problems: " + dir.resolve("p.jsonl") + "\naggregation: {ratio: 0.5, k: 1, source: policy}\n"
                + "num_generations: 2\nbatch_size: 2\nmax_completion_length: 4\nlearning_rate: 0.01\nbeta: 0.1\n"
                + "max_steps: 5\nsave_steps: 2\n");
        TrainConfig cfg = TrainConfig.load(dir.resolve("t.yaml"), List.of());
        List<Problem> problems = List.of(Problem.of("a", "1+1?", "2", "math"), Problem.of("b", "2+2?", "4", "math"));
        try (QwenModel model = QwenModel.load(m); QwenModel ref = QwenModel.load(m);
             QwenTokenizer tok = QwenTokenizer.load(m)) {
            QwenPolicy policy = new QwenPolicy(model, true);
            QwenRollouts rollouts = new QwenRollouts(s -> model, tok, problems, null, (p, t) -> t.length() % 2,
                    new QwenRollouts.Settings(512, 4, 1.0, 1.0, 8), new PrintStream(OutputStream.nullOutputStream()));
            BatchPlanner planner = new BatchPlanner(2, 2, 0.5, 1, AggregationSource.POLICY, null, null, 1);
            List<Integer> counts = new ArrayList<>();
            new GrpoTrainer(cfg, planner, policy, new QwenPolicy(ref, false), rollouts, 0,
                    new PrintStream(OutputStream.nullOutputStream()))
                    .afterStep(step -> counts.add(model.manager().getManagedArrays().size()))
                    .run(-1);
            assertEquals(5, counts.size());
            assertEquals(counts.get(1), counts.get(4), "arrays per step: " + counts);
        }
    }
}
