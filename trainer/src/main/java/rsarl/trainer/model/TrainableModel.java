package rsarl.trainer.model;

import java.io.IOException;
import java.nio.file.Path;

/** The policy being trained, plus what checkpoints need from it. */
public interface TrainableModel extends Policy {
    /** Writes the model in the HF layout (LoRA merged) into {@code dir} (which may not exist yet). */
    void save(Path dir) throws IOException;

    /**
     * Restores the trainable state written by {@link #save} and {@link #saveTrainable} into {@code checkpointDir},
     * exactly (a resumed run must continue bit-identically).
     */
    void restore(Path checkpointDir) throws IOException;

    /**
     * Extra exact state a checkpoint needs beyond the HF folder (e.g. LoRA's unmerged A and B); default none.
     */
    default void saveTrainable(Path checkpointDir) throws IOException {}
}
