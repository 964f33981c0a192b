package rsarl.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The built-in text the project's own tokenizer is trained on: toy arithmetic with worked steps,
 * puzzle-like questions and answers, RSA aggregation prompts, chat turns and plain English sentences.
 * Generated from a fixed seed, so the same corpus (and tokenizer) comes out every time.
 */
final class TrainingCorpus {
    private static final String[] WORDS = ("the of and to a in is it you that he was for on are with as I his they be "
            + "at one have this from or had by hot word but what some we can out other were all there when up use "
            + "your how said an each she which do their time if will way about many then them write would like so "
            + "these her long make thing see him two has look more day could go come did number sound no most people "
            + "my over know water than call first who may down side been now find any new work part take get place "
            + "made live where after back little only round man year came show every good me give our under name "
            + "very through just form sentence great think say help low line differ turn cause much mean before move "
            + "right boy old too same tell does set three want air well also play small end put home read hand port "
            + "large spell add even land here must big high such follow act why ask men change went light kind off "
            + "need house picture try us again animal point mother world near build self earth father head stand own "
            + "page should country found answer school grow study still learn plant cover food sun four between state "
            + "keep eye never last let thought city tree cross farm hard start might story saw far sea draw left late "
            + "run while press close night real life few north open seem together next white children begin got walk "
            + "example ease paper group always music those both mark often letter until mile river car feet care "
            + "second book carry took science eat room friend began idea fish mountain stop once base hear horse cut "
            + "sure watch color face wood main enough plain girl usual young ready above ever red list though feel "
            + "talk bird soon body dog family direct pose leave song measure door product black short numeral class "
            + "wind question happen complete ship area half rock order fire south problem piece told knew pass since "
            + "top whole king space heard best hour better true during hundred five remember step early hold west "
            + "ground interest reach fast verb sing listen six table travel less morning ten simple several vowel "
            + "toward war lay against pattern slow center love person money serve appear road map rain rule govern "
            + "pull cold notice voice unit power town fine certain fly fall lead cry dark machine note wait plan "
            + "figure star box noun field rest correct able pound done beauty drive stood contain front teach week "
            + "final gave green oh quick develop ocean warm free minute strong special mind behind clear tail produce "
            + "fact street inch multiply nothing course stay wheel full force blue object decide surface deep moon "
            + "island foot system busy test record boat common gold possible plane stead dry wonder laugh thousand ago "
            + "ran check game shape equate miss brought heat snow tire bring yes distant fill east paint language among")
            .split(" ");
    private static final String[] NAMES = {"Alice", "Bob", "Carol", "Dave", "Eve", "Frank", "Grace", "Heidi"};
    private static final String[] ITEMS = {"apples", "books", "coins", "marbles", "pencils", "stickers", "cookies", "cards"};

    private TrainingCorpus() {
    }

    /** The corpus as a list of documents. */
    static List<String> builtIn() {
        Random r = new Random(20_240_517L);
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            docs.add(arithmetic(r));
        }
        for (int i = 0; i < 400; i++) {
            docs.add(puzzle(r));
        }
        for (int i = 0; i < 800; i++) {
            docs.add(sentence(r));
        }
        for (int i = 0; i < 150; i++) {
            docs.add(chat(r));
        }
        return docs;
    }

    private static int number(Random r) {
        return switch (r.nextInt(3)) {
            case 0 -> r.nextInt(10);
            case 1 -> r.nextInt(100);
            default -> r.nextInt(1000);
        };
    }

    private static String arithmetic(Random r) {
        int a = number(r);
        int b = number(r);
        int c = number(r);
        return switch (r.nextInt(6)) {
            case 0 -> "What is " + a + " + " + b + "? Let's think step by step. " + a + " + " + b + " = " + (a + b)
                    + ". The answer is " + (a + b) + ".";
            case 1 -> "Compute " + a + " * " + b + ". We multiply: " + a + " * " + b + " = " + (a * b)
                    + ". So the final answer is <answer>" + (a * b) + "</answer>";
            case 2 -> "Calculate " + a + " - " + b + " + " + c + ".\nFirst, " + a + " - " + b + " = " + (a - b)
                    + ".\nThen, " + (a - b) + " + " + c + " = " + (a - b + c) + ".\nTherefore the result is "
                    + (a - b + c) + ".";
            case 3 -> NAMES[r.nextInt(NAMES.length)] + " has " + a + " " + ITEMS[r.nextInt(ITEMS.length)]
                    + " and buys " + b + " more. How many does she have now? She has " + a + " + " + b + " = "
                    + (a + b) + ". Answer: " + (a + b);
            case 4 -> "Solve for x: x + " + a + " = " + (a + b) + ". Subtract " + a + " from both sides: x = "
                    + b + ". The answer is \\boxed{" + b + "}.";
            default -> "(" + a + " + " + b + ") * " + (c % 10) + " = " + (a + b) + " * " + (c % 10) + " = "
                    + ((a + b) * (c % 10));
        };
    }

    private static String puzzle(Random r) {
        switch (r.nextInt(6)) {
            case 0: {
                int start = r.nextInt(20);
                int step = 1 + r.nextInt(9);
                StringBuilder b = new StringBuilder("What comes next in the sequence ");
                for (int i = 0; i < 4; i++) {
                    b.append(start + i * step).append(i < 3 ? ", " : "? ");
                }
                return b.append("Each term adds ").append(step).append(", so the next number is ")
                        .append(start + 4 * step).append('.').toString();
            }
            case 1: {
                int[] xs = new int[3 + r.nextInt(4)];
                for (int i = 0; i < xs.length; i++) {
                    xs[i] = r.nextInt(100);
                }
                String q = java.util.Arrays.toString(xs);
                java.util.Arrays.sort(xs);
                return "Sort the list " + q + " in ascending order.\nAnswer: " + java.util.Arrays.toString(xs);
            }
            case 2: {
                String w = WORDS[r.nextInt(WORDS.length)];
                char ch = w.charAt(r.nextInt(w.length()));
                long n = w.chars().filter(x -> x == ch).count();
                return "Count how many times the letter '" + ch + "' appears in the word \"" + w + "\". "
                        + "The letter appears " + n + " times.";
            }
            case 3: {
                int a = r.nextInt(100);
                int b = r.nextInt(100);
                return "Which number is larger, " + a + " or " + b + "? The larger number is " + Math.max(a, b) + ".";
            }
            case 4: {
                int answer = r.nextInt(4);
                int base = number(r);
                StringBuilder b = new StringBuilder("Question: What is ").append(base).append(" + 5?\nOptions:\n");
                for (int i = 0; i < 4; i++) {
                    b.append((char) ('A' + i)).append(") ").append(base + 5 + (i - answer) * 3).append('\n');
                }
                return b.append("Answer: ").append((char) ('A' + answer)).toString();
            }
            default: {
                String w = WORDS[r.nextInt(WORDS.length)];
                return "Reverse the word \"" + w + "\". Reading it backwards gives \""
                        + new StringBuilder(w).reverse() + "\".";
            }
        }
    }

    private static String sentence(Random r) {
        int n = 5 + r.nextInt(10);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String w = WORDS[r.nextInt(WORDS.length)];
            if (i == 0) {
                w = Character.toUpperCase(w.charAt(0)) + w.substring(1);
            } else {
                b.append(r.nextInt(12) == 0 ? ", " : " ");
            }
            b.append(w);
        }
        return b.append(r.nextInt(5) == 0 ? "?" : ".").toString();
    }

    private static String chat(Random r) {
        String problem = arithmetic(r);
        int k = 2 + r.nextInt(3);
        StringBuilder prompt = new StringBuilder("Here is a problem and ").append(k)
                .append(" candidate solutions. Some of them may be wrong. Review each solution, find the mistakes, "
                        + "and write a single correct solution.\n\nProblem: ").append(puzzle(r)).append('\n');
        for (int i = 1; i <= k; i++) {
            prompt.append("\nCandidate solution ").append(i).append(":\n").append(arithmetic(r)).append('\n');
        }
        return ChatTemplate.render(List.of(ChatMessage.system("You are a helpful assistant."),
                ChatMessage.user(prompt.toString()),
                ChatMessage.assistant("<think>\nLet me check each step carefully.\n</think>\n\n" + problem)), false);
    }
}
