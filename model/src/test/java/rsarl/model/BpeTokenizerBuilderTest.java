package rsarl.model;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpeTokenizerBuilderTest {
    @TempDir
    static Path tmp;
    private static BpeTokenizerBuilder.Result result;
    private static QwenTokenizer tok;

    @BeforeAll
    static void build() {
        result = new BpeTokenizerBuilder(512).write(tmp.resolve("tok512"));
        tok = QwenTokenizer.load(result.dir());
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    @Test
    void hasExactlyTheRequestedVocabulary() {
        assertEquals(512, result.vocabSize());
        assertEquals(512, tok.vocabSize());
        assertTrue(result.mergeCount() >= 512 - 256 - 5, "merges " + result.mergeCount());
        for (int i = 0; i < BpeTokenizerBuilder.ADDED_TOKENS.size(); i++) {
            String t = BpeTokenizerBuilder.ADDED_TOKENS.get(i);
            assertEquals(507 + i, tok.tokenId(t), t);
            assertArrayEquals(new int[] {507 + i}, tok.encode(t), t);
        }
        assertEquals(List.of(509, 507), tok.eosIds());
    }

    @Test
    void chatTurnEncodesSpecialsWhole() {
        int[] ids = tok.encode(ChatTemplate.render(List.of(ChatMessage.user("What is 2 + 3?")), true));
        assertEquals(tok.tokenId("<|im_start|>"), ids[0]);
        assertEquals(2, java.util.Arrays.stream(ids).filter(i -> i == tok.tokenId("<|im_start|>")).count());
        assertEquals(1, java.util.Arrays.stream(ids).filter(i -> i == tok.tokenId("<|im_end|>")).count());
        assertEquals("user\nWhat is 2 + 3?\nassistant\n", tok.decode(ids, true));
    }

    @Test
    void digitsAreSingleTokensAndWordsAreMerged() {
        int[] ids = tok.encode("12345 + 67890 = 80235, 1000000");
        int digitTokens = 0;
        for (int id : ids) {
            String piece = tok.decode(new int[] {id});
            if (piece.chars().anyMatch(Character::isDigit)) {
                assertEquals(1, piece.length(), "digit token '" + piece + "' should be a single digit");
                digitTokens++;
            }
        }
        assertEquals(22, digitTokens);
        String english = "The answer is the number of apples. Let's think step by step.";
        assertTrue(tok.encode(english).length < english.length() / 2,
                "trained merges should compress common English: " + tok.encode(english).length);
        assertTrue(tok.tokenId("Ġthe") >= 256, "' the' should be a learned token");
        assertTrue(tok.decode(tok.encode("<answer>42</answer>")).equals("<answer>42</answer>"));
        assertTrue(tok.encode("<answer>").length > 1, "<answer> stays plain text");
    }

    @Test
    void roundTripsArbitraryUnicodeExactly() {
        Random r = new Random(7);
        String[] fixed = {"", " ", "  \n\t\r\n ", "Grüße, 世界! 😀👍🏽🇯🇵 𠜎", "e\u0301 vs \u00e9 (not normalised)",
                "<|im_start|>half<|im_end|> <think>x</think>", "\u0000\u0001\u007f\u00ad\ufeff"};
        for (String s : fixed) {
            assertEquals(s, tok.decode(tok.encode(s)), s);
        }
        for (int n = 0; n < 200; n++) {
            StringBuilder b = new StringBuilder();
            int len = r.nextInt(40);
            for (int i = 0; i < len; i++) {
                int cp;
                do {
                    cp = switch (r.nextInt(4)) {
                        case 0 -> 0x20 + r.nextInt(0x5f);
                        case 1 -> r.nextInt(0x800);
                        case 2 -> r.nextInt(0x10000);
                        default -> 0x10000 + r.nextInt(0x100000);
                    };
                } while (cp >= 0xD800 && cp <= 0xDFFF);
                b.appendCodePoint(cp);
            }
            String s = b.toString();
            assertEquals(s, tok.decode(tok.encode(s)), () -> "round trip of " + s.codePoints().boxed().toList());
        }
    }

    @Test
    void concurrentUseMatchesSequential() throws Exception {
        List<String> texts = new java.util.ArrayList<>();
        for (int i = 0; i < 64; i++) {
            texts.add("Problem " + i + ": what is " + i + " * " + (i + 3) + "? Grüße 😀 " + "step ".repeat(i));
        }
        List<int[]> expected = texts.stream().map(tok::encode).toList();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
            for (int rep = 0; rep < 8; rep++) {
                for (int i = 0; i < texts.size(); i++) {
                    int k = i;
                    results.add(pool.submit(() -> java.util.Arrays.equals(expected.get(k), tok.encode(texts.get(k)))
                            && tok.decode(expected.get(k)).equals(texts.get(k))));
                }
            }
            for (java.util.concurrent.Future<Boolean> f : results) {
                assertTrue(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void deterministicForAGivenSize() throws Exception {
        BpeTokenizerBuilder.Result again = new BpeTokenizerBuilder(512).write(tmp.resolve("again"));
        assertArrayEquals(Files.readAllBytes(result.dir().resolve("tokenizer.json")),
                Files.readAllBytes(again.dir().resolve("tokenizer.json")));
        assertArrayEquals(Files.readAllBytes(result.dir().resolve("tokenizer_config.json")),
                Files.readAllBytes(again.dir().resolve("tokenizer_config.json")));
    }

    @Test
    void otherSizesAndCustomCorpus() {
        Path dir = tmp.resolve("tiny");
        BpeTokenizerBuilder.Result r = new BpeTokenizerBuilder(300)
                .corpus(List.of("abab abab abab cdcd cdcd", "abab cdcd efg efg")).write(dir);
        try (QwenTokenizer t = QwenTokenizer.load(dir)) {
            assertEquals(r.vocabSize(), t.vocabSize());
            assertTrue(r.vocabSize() < 300, "a tiny corpus runs out of repeated pairs");
            assertArrayEquals(new int[] {t.tokenId("abab")}, t.encode("abab"));
        }
    }

    @Test
    void rejectsTooSmallVocab() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BpeTokenizerBuilder(100));
        assertTrue(e.getMessage().contains("100"), e.getMessage());
    }
}
