package rsarl.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;

import rsarl.model.CheckpointWriter;
import rsarl.model.SafetensorsFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * AdamW with torch semantics ({@code torch.optim.AdamW}, single-tensor path) whose state can be saved and restored
 * bit-exactly. DJL's {@code Optimizer.adamW()} keeps its moments in private maps with no accessor, so a resumed run
 * could not continue it; this class owns {@code m}, {@code v} and the step count instead.
 *
 * <pre>
 *   t += 1
 *   theta *= 1 - lr * lambda                      (decoupled weight decay, only where {@code decay} says so)
 *   m      = m + (1 - beta1) (g - m)              (torch's lerp)
 *   v      = beta2 v + (1 - beta2) g^2
 *   theta -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * The moments live in this optimizer's own manager; each step's temporaries live in a closed {@link NDScope}.
 */
public final class AdamW implements AutoCloseable {
    private static final Pattern NO_DECAY =
            Pattern.compile("bias|layernorm|rmsnorm|(^|\\.)norm($|\\.)|_norm($|\\.)", Pattern.CASE_INSENSITIVE);
    /** transformers' default no-decay rule: biases and every norm weight are not decayed. */
    public static final Predicate<String> HF_DECAY = name -> !NO_DECAY.matcher(name).find();

    public record Hyper(double beta1, double beta2, double eps, double weightDecay) {
        /** transformers' TrainingArguments defaults (adam_beta1/2, adam_epsilon, weight_decay). */
        public static Hyper defaults(double weightDecay) {
            return new Hyper(0.9, 0.999, 1e-8, weightDecay);
        }
    }

    private final Hyper hyper;
    private final Predicate<String> decay;
    private final NDManager state;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private long step;

    public AdamW(Hyper hyper, Predicate<String> decay, ai.djl.Device device) {
        this.hyper = hyper;
        this.decay = decay;
        this.state = NDManager.newBaseManager(device);
    }

    /** Number of updates applied so far (torch's {@code state['step']}). */
    public long step() {
        return step;
    }

    public Hyper hyper() {
        return hyper;
    }

    /**
     * One update of every parameter that has a gradient, at learning rate {@code lr}. Gradients are left as they are
     * (zero them with {@link Gradients#zero} before the next accumulation).
     */
    public void update(Map<String, NDArray> params, double lr) {
        step++;
        double bc1 = 1 - Math.pow(hyper.beta1(), step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(hyper.beta2(), step));
        float stepSize = (float) (lr / bc1);
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray theta = e.getValue();
            if (!theta.hasGradient()) {
                continue;
            }
            NDArray mt = m.computeIfAbsent(e.getKey(), k -> zerosLike(theta));
            NDArray vt = v.computeIfAbsent(e.getKey(), k -> zerosLike(theta));
            // No graph for the in-place update, whatever this thread's grad mode (a fresh thread has it on).
            try (NDScope scope = new NDScope(); rsarl.model.NoGrad ng = rsarl.model.NoGrad.enter()) {
                NDArray g = theta.getGradient(); // a fresh handle, closed with the scope
                if (hyper.weightDecay() != 0 && decay.test(e.getKey())) {
                    theta.muli((float) (1 - lr * hyper.weightDecay()));
                }
                mt.addi(g.sub(mt).muli((float) (1 - hyper.beta1())));
                vt.muli((float) hyper.beta2()).addi(g.mul(g).muli((float) (1 - hyper.beta2())));
                NDArray denom = vt.sqrt().divi((float) bc2Sqrt).addi((float) hyper.eps());
                theta.subi(mt.div(denom).muli(stepSize));
            }
        }
    }

    /** Writes {@code optimizer.safetensors}: moments {@code exp_avg.<name>}, {@code exp_avg_sq.<name>}, step + hypers. */
    public void save(Path file) throws IOException {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        m.forEach((k, a) -> tensors.put("exp_avg." + k, a));
        v.forEach((k, a) -> tensors.put("exp_avg_sq." + k, a));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("step", Long.toString(step));
        meta.put("beta1", Double.toString(hyper.beta1()));
        meta.put("beta2", Double.toString(hyper.beta2()));
        meta.put("eps", Double.toString(hyper.eps()));
        meta.put("weight_decay", Double.toString(hyper.weightDecay()));
        CheckpointWriter.writeTensors(file, tensors, meta);
    }

    /** Replaces this optimizer's state by the one in {@code file}; errors name the file and the bad entry. */
    public void load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": optimizer state is missing");
        }
        try (NDManager tmp = state.newSubManager()) {
            SafetensorsFile.Contents c = SafetensorsFile.readAll(file, tmp);
            String s = c.metadata().get("step");
            if (s == null) {
                throw new IOException(file + ": no 'step' in the safetensors metadata");
            }
            long restored;
            try {
                restored = Long.parseLong(s);
            } catch (NumberFormatException ex) {
                throw new IOException(file + ": bad 'step' metadata '" + s + "'");
            }
            Map<String, NDArray> nm = new LinkedHashMap<>();
            Map<String, NDArray> nv = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : c.tensors().entrySet()) {
                String key = e.getKey();
                if (key.startsWith("exp_avg_sq.")) {
                    nv.put(key.substring("exp_avg_sq.".length()), e.getValue());
                } else if (key.startsWith("exp_avg.")) {
                    nm.put(key.substring("exp_avg.".length()), e.getValue());
                } else {
                    throw new IOException(file + ": unexpected tensor '" + key + "'");
                }
            }
            if (!nm.keySet().equals(nv.keySet())) {
                throw new IOException(file + ": exp_avg and exp_avg_sq cover different parameters");
            }
            m.values().forEach(NDArray::close);
            v.values().forEach(NDArray::close);
            m.clear();
            v.clear();
            nm.forEach((k, a) -> {
                a.attach(state);
                m.put(k, persistent(a));
            });
            nv.forEach((k, a) -> {
                a.attach(state);
                v.put(k, persistent(a));
            });
            step = restored;
        }
    }

    /** Checks the restored moments against the live parameters (names and shapes). */
    public void checkCompatible(Map<String, NDArray> params, Path file) throws IOException {
        for (Map.Entry<String, NDArray> e : m.entrySet()) {
            NDArray p = params.get(e.getKey());
            if (p == null) {
                throw new IOException(file + ": state for unknown parameter '" + e.getKey() + "'");
            }
            if (!p.getShape().equals(e.getValue().getShape())) {
                throw new IOException(file + ": parameter '" + e.getKey() + "' has shape " + p.getShape()
                        + " but its optimizer state has " + e.getValue().getShape());
            }
        }
    }

    private NDArray zerosLike(NDArray theta) {
        return persistent(state.zeros(theta.getShape(), theta.getDataType()));
    }

    /** Optimizer state outlives any per-step {@link NDScope} the caller may have opened. */
    private static NDArray persistent(NDArray a) {
        NDScope.unregister(a);
        return a;
    }

    @Override
    public void close() {
        state.close();
    }
}
