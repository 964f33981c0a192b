package rsarl.rewards.puzzle;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** A small built-in list of common English words for the letter and spelling puzzles. */
final class Words {

    static final List<String> ALL = List.of(
            "apple", "banana", "cherry", "grape", "lemon", "mango", "melon", "peach", "pear", "plum",
            "strawberry", "orange", "carrot", "potato", "tomato", "onion", "pepper", "garlic", "bread", "butter",
            "cheese", "coffee", "sugar", "honey", "water", "river", "ocean", "mountain", "valley", "forest",
            "desert", "island", "planet", "rocket", "star", "moon", "cloud", "storm", "thunder", "rain",
            "snow", "winter", "summer", "spring", "autumn", "morning", "evening", "night", "today", "tomorrow",
            "house", "garden", "window", "door", "table", "chair", "pencil", "paper", "letter", "number",
            "school", "teacher", "student", "library", "window", "kitchen", "bottle", "basket", "bicycle", "train",
            "airplane", "bridge", "castle", "village", "market", "street", "people", "friend", "family", "mother",
            "father", "sister", "brother", "baby", "child", "animal", "rabbit", "turtle", "monkey", "elephant",
            "giraffe", "tiger", "lion", "horse", "zebra", "kitten", "puppy", "dragon", "parrot", "dolphin",
            "music", "guitar", "piano", "violin", "drum", "song", "dance", "picture", "camera", "mirror",
            "yellow", "purple", "green", "silver", "golden", "happy", "quick", "quiet", "bright", "simple",
            "jump", "run", "swim", "read", "write", "think", "listen", "travel", "cook", "sleep",
            "cat", "dog", "sun", "sky", "sea", "tree", "bird", "fish", "book", "ball");

    private Words() {
    }

    static String pick(SplittableRandom rnd) {
        return ALL.get(rnd.nextInt(ALL.size()));
    }

    static String pick(SplittableRandom rnd, int minLen, int maxLen) {
        List<String> fit = new ArrayList<>();
        for (String w : ALL) {
            if (w.length() >= minLen && w.length() <= maxLen) {
                fit.add(w);
            }
        }
        return fit.get(rnd.nextInt(fit.size()));
    }
}
