package rsarl.trainer.loop;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.trainer.optim.AdamW;
import rsarl.trainer.optim.AdamWTest;
import rsarl.trainer.optim.LrSchedule;
import rsarl.trainer.optim.SchedulerState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointManagerTest {
    private static TrainerState state(long step) {
        return new TrainerState(step, 10, step * 2, "abc", step * 8, Map.of("data", 42L + step), step, 1.5 * step,
                Map.of("note", "x"));
    }

    private static CheckpointManager.Writer fakeModel(String content) {
        return dir -> {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config.json"), content);
        };
    }

    /** All parts of a checkpoint, with dummy optimizer bytes (for the low-level save). */
    private static CheckpointManager.Writer fakeCheckpoint(String content) {
        return dir -> {
            fakeModel(content).write(dir.resolve(CheckpointManager.MODEL_DIR));
            Files.writeString(dir.resolve(CheckpointManager.OPTIMIZER_FILE), "opt");
            Files.writeString(dir.resolve(CheckpointManager.SCHEDULER_FILE), "{}");
        };
    }

    @Test
    void savesCompleteCheckpointAndReadsItBack(@TempDir Path out) throws IOException {
        CheckpointManager cm = new CheckpointManager(out, 0);
        try (NDManager m = NDManager.newBaseManager();
                AdamW opt = new AdamW(AdamW.Hyper.defaults(0), AdamW.HF_DECAY, Device.cpu())) {
            Map<String, NDArray> params = AdamWTest.params(m);
            AdamWTest.setGrads(m, params, AdamWTest.randomGrads(1)[0]);
            opt.update(params, 1e-3);
            SchedulerState sched = SchedulerState.of(LrSchedule.of("cosine", 1e-5, 0, 0.1, 20), 6);
            Path dir = cm.save(state(3), opt, sched, fakeModel("{\"m\":1}"));
            assertEquals(out.resolve("checkpoint-3"), dir);

            CheckpointManager.Checkpoint c = cm.latest().orElseThrow();
            assertEquals(3, c.step());
            assertEquals(state(3), c.state());
            assertEquals(sched, c.scheduler());
            assertEquals(LrSchedule.of("cosine", 1e-5, 0, 0.1, 20), c.scheduler().schedule());
            assertEquals("{\"m\":1}", Files.readString(c.modelDir().resolve("config.json")));
            try (AdamW back = new AdamW(AdamW.Hyper.defaults(0), AdamW.HF_DECAY, Device.cpu())) {
                back.load(c.optimizerFile());
                assertEquals(1, back.step());
            }
            assertTrue(Files.readString(dir.resolve("trainer_state.json")).contains("\"global_step\""));
        }
    }

    @Test
    void keepsOnlyTheNewestCheckpointsByStepNumber(@TempDir Path out) throws IOException {
        CheckpointManager cm = new CheckpointManager(out, 2);
        for (long step : new long[] {1, 2, 9, 10}) {
            cm.save(state(step), fakeCheckpoint("s" + step));
        }
        assertEquals(List.of(out.resolve("checkpoint-9"), out.resolve("checkpoint-10")), cm.checkpoints());
        CheckpointManager one = new CheckpointManager(out, 1);
        one.save(state(11), fakeCheckpoint("s11"));
        assertEquals(List.of(out.resolve("checkpoint-11")), one.checkpoints());
    }

    @Test
    void crashMidWriteLeavesPreviousCheckpointAsLatest(@TempDir Path out) throws IOException {
        CheckpointManager cm = new CheckpointManager(out, 0);
        cm.save(state(4), fakeCheckpoint("good"));
        IOException crash = assertThrows(IOException.class, () -> cm.save(state(5), dir -> {
            Files.createDirectories(dir.resolve("model"));
            Files.writeString(dir.resolve("model/model.safetensors"), "half a tens");
            throw new IOException("disk full (simulated)");
        }));
        assertEquals("disk full (simulated)", crash.getMessage());
        assertFalse(Files.exists(out.resolve("checkpoint-5")));
        assertEquals(4, cm.latest().orElseThrow().step());
        assertEquals(1, tempDirs(out), "the half-written temp folder is still there");

        // a complete-looking temp folder (crash between writing and renaming) is ignored too
        Path orphan = out.resolve(".tmp-checkpoint-6-1");
        Files.createDirectories(orphan.resolve("model"));
        Files.writeString(orphan.resolve(CheckpointManager.STATE_FILE), "{\"global_step\":6}");
        assertEquals(4, cm.latest().orElseThrow().step());

        cm.save(state(5), fakeCheckpoint("retry"));
        assertEquals(0, tempDirs(out), "next save cleans stale temp folders");
        assertEquals(5, cm.latest().orElseThrow().step());
    }

    @Test
    void resavingAStepReplacesIt(@TempDir Path out) throws IOException {
        CheckpointManager cm = new CheckpointManager(out, 0);
        cm.save(state(2), fakeCheckpoint("first"));
        cm.save(state(2), fakeCheckpoint("second"));
        assertEquals("second", Files.readString(out.resolve("checkpoint-2/model/config.json")));
        assertEquals(0, tempDirs(out));
    }

    @Test
    void corruptOrPartialCheckpointNamesTheFile(@TempDir Path out) throws IOException {
        CheckpointManager cm = new CheckpointManager(out, 0);
        Path dir = cm.save(state(7), dir2 -> {
            Files.createDirectories(dir2.resolve("model"));
            Files.writeString(dir2.resolve(CheckpointManager.OPTIMIZER_FILE), "x");
            Files.writeString(dir2.resolve(CheckpointManager.SCHEDULER_FILE), "{}");
        });
        assertEquals(7, CheckpointManager.open(dir).step());

        Path stateFile = dir.resolve(CheckpointManager.STATE_FILE);
        Files.writeString(stateFile, "{\"global_step\": 7, \"max_st");
        IOException bad = assertThrows(IOException.class, cm::latest);
        assertTrue(bad.getMessage().startsWith(stateFile.toString()), bad.getMessage());
        assertTrue(bad.getMessage().contains("corrupt"), bad.getMessage());

        Files.writeString(stateFile, "{\"global_step\": 8}");
        IOException wrongStep = assertThrows(IOException.class, cm::latest);
        assertTrue(wrongStep.getMessage().contains("checkpoint-7"), wrongStep.getMessage());

        Files.writeString(stateFile, "{\"global_step\": 7}");
        Files.delete(dir.resolve(CheckpointManager.OPTIMIZER_FILE));
        IOException missing = assertThrows(IOException.class, cm::latest);
        assertTrue(missing.getMessage().startsWith(dir.resolve(CheckpointManager.OPTIMIZER_FILE).toString()));

        Files.delete(stateFile);
        IOException noState = assertThrows(IOException.class, cm::latest);
        assertTrue(noState.getMessage().contains(CheckpointManager.STATE_FILE));
    }

    @Test
    void emptyOutputDirHasNoLatest(@TempDir Path out) throws IOException {
        assertTrue(new CheckpointManager(out.resolve("none"), 3).latest().isEmpty());
    }

    private static long tempDirs(Path out) throws IOException {
        try (Stream<Path> s = Files.list(out)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".tmp-")).count();
        }
    }
}
