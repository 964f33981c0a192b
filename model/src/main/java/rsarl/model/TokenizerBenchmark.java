package rsarl.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Encode/decode throughput of a tokenizer on corpus-like text (no JMH: a warm-up, then wall-clock timing).
 * Usage: {@code java -cp ... rsarl.model.TokenizerBenchmark TOKENIZER_DIR [MEGABYTES]}.
 */
public final class TokenizerBenchmark {
    private TokenizerBenchmark() {
    }

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: TokenizerBenchmark TOKENIZER_DIR [MEGABYTES]");
            System.exit(2);
        }
        System.setProperty("ai.djl.offline", "true");
        double megabytes = args.length > 1 ? Double.parseDouble(args[1]) : 2.0;
        List<String> docs = documents((long) (megabytes * 1_000_000));
        long bytes = docs.stream().mapToLong(d -> ByteLevelAlphabet.utf8(d).length).sum();
        try (QwenTokenizer tok = QwenTokenizer.load(Path.of(args[0]))) {
            for (String d : docs.subList(0, Math.min(200, docs.size()))) {
                tok.decode(tok.encode(d)); // warm-up
            }
            long t0 = System.nanoTime();
            List<int[]> encoded = new ArrayList<>(docs.size());
            long tokens = 0;
            for (String d : docs) {
                int[] ids = tok.encode(d);
                encoded.add(ids);
                tokens += ids.length;
            }
            double encodeS = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            for (int[] ids : encoded) {
                tok.decode(ids);
            }
            double decodeS = (System.nanoTime() - t1) / 1e9;
            long t2 = System.nanoTime();
            int streamed = 0;
            for (int[] ids : encoded.subList(0, Math.min(100, encoded.size()))) {
                Detokenizer detok = new Detokenizer(tok);
                for (int id : ids) {
                    detok.append(id);
                }
                detok.flush();
                streamed += ids.length;
            }
            double streamS = (System.nanoTime() - t2) / 1e9;
            System.out.printf("tokenizer %s (vocab %d): %d docs, %.2f MB, %d tokens (%.2f bytes/token)%n",
                    tok.file(), tok.vocabSize(), docs.size(), bytes / 1e6, tokens, (double) bytes / tokens);
            System.out.printf("encode: %.2f MB/s, %.0f tokens/s%n", bytes / 1e6 / encodeS, tokens / encodeS);
            System.out.printf("decode: %.0f tokens/s%n", tokens / decodeS);
            System.out.printf("incremental detokenize: %.1f us/token%n", streamS * 1e6 / streamed);
        }
    }

    /** Prompt-sized documents (about 2 kB each) cycling through the built-in training corpus. */
    private static List<String> documents(long targetBytes) {
        List<String> corpus = TrainingCorpus.builtIn();
        List<String> docs = new ArrayList<>();
        StringBuilder doc = new StringBuilder();
        long total = 0;
        for (int i = 0; total < targetBytes; i++) {
            doc.append(corpus.get(i % corpus.size())).append('\n');
            if (doc.length() >= 2000) {
                docs.add(doc.toString());
                total += doc.length();
                doc.setLength(0);
            }
        }
        return docs;
    }
}
