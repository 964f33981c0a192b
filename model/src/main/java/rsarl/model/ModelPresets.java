package rsarl.model;

import java.util.List;

/** Named Qwen3 shapes for random initialisation: toy sizes for tests and demos, and the real Qwen3 shapes. */
public final class ModelPresets {
    public static final List<String> NAMES = List.of("tiny", "mini", "small", "20m", "medium", "qwen3-0.6b", "qwen3-4b");

    private ModelPresets() {
    }

    public static QwenConfig config(String preset, int vocabSize, List<Integer> eosIds) {
        return switch (preset) {
            // ~0.25M weights + embeddings: unit tests
            case "tiny" -> qwen3(vocabSize, 64, 256, 4, 4, 2, 16, 1e6, eosIds);
            // ~0.8M weights + embeddings (3.3 MB at 320 ids): the shipped first-run model (models/tiny)
            case "mini" -> qwen3(vocabSize, 128, 384, 4, 4, 2, 32, 1e6, eosIds);
            // ~3M weights + embeddings: CPU demo
            case "small" -> qwen3(vocabSize, 256, 768, 4, 4, 2, 64, 1e6, eosIds);
            // ~19M weights + embeddings: benchmarks
            case "20m" -> qwen3(vocabSize, 512, 1536, 6, 8, 4, 64, 1e6, eosIds);
            // ~75M weights + embeddings (~100M at a 32k vocabulary): decode/training benchmarks
            case "medium" -> qwen3(vocabSize, 768, 2048, 12, 12, 4, 64, 1e6, eosIds);
            case "qwen3-0.6b" -> qwen3(vocabSize, 1024, 3072, 28, 16, 8, 128, 1e6, eosIds);
            case "qwen3-4b" -> qwen3(vocabSize, 2560, 9728, 36, 32, 8, 128, 1e6, eosIds);
            default -> throw new IllegalArgumentException("unknown preset '" + preset + "' (known: " + NAMES + ")");
        };
    }

    private static QwenConfig qwen3(int vocab, int hidden, int inter, int layers, int heads, int kvHeads, int headDim,
                                    double theta, List<Integer> eos) {
        return new QwenConfig("qwen3", vocab, hidden, inter, layers, heads, kvHeads, headDim, theta, 1e-6,
                true, false, eos);
    }
}
