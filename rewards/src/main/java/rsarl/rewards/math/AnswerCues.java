package rsarl.rewards.math;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a response states its final answer: the text after the last {@code </think>}, and the last
 * answer cue ("The final answer is", "**Answer:**", "答案是", "La respuesta es", "Réponse :", "Ответ:",
 * "Die Antwort ist", "A resposta é", "Risposta:") with what follows it on its line.
 */
public final class AnswerCues {

    /** A cue, matched from its keyword on (the words before it, "final", "la", "die", do not matter). */
    private static final Pattern CUE = Pattern.compile("(?iu)(?:"
            + "answer\\b\\**\\s*(?:is|would\\s+be|should\\s+be|:|=)\\s*:?"
            + "|答案?\\s*(?:是|为|為|:|：)"
            + "|respuesta(?:\\s+(?:final|correcta))?\\s*(?:es|:)"
            + "|r[ée]ponse(?:\\s+(?:finale|correcte))?\\s*(?:est|:)"
            + "|ответ\\s*(?:[:：—-]|это)"
            + "|antwort\\s*(?:ist|lautet|:)"
            + "|resposta(?:\\s+(?:final|correta))?\\s*(?:é|:)"
            + "|risposta(?:\\s+(?:finale|corretta))?\\s*(?:è|:)"
            + ")\\**[ \\t]*");

    /** A cue's answer text and where it starts and ends in the searched string. */
    public record Cue(String text, int start, int end) {
    }

    private AnswerCues() {
    }

    /**
     * The part of a response that may hold the final answer: after the last {@code </think>}; null when a
     * {@code <think>} is never closed (the model stopped while thinking: no answer).
     */
    public static String afterThinking(String response) {
        int close = response.lastIndexOf("</think>");
        if (close >= 0) {
            return response.substring(close + "</think>".length());
        }
        return response.contains("<think>") ? null : response;
    }

    /** Words every cue contains (lower case): the pattern runs only near them, which keeps long responses cheap. */
    /** Keyword occurrences tried per keyword, latest first: a response repeating "answer" stays cheap. */
    private static final int MAX_TRIES = 64;
    private static final String[] KEYWORDS = {"answer", "答", "respuesta", "réponse", "reponse", "ответ", "antwort",
            "resposta", "risposta"};
    /** The last answer cue and the rest of its line (markdown bold and a closing period trimmed); null if none. */
    public static Cue lastCue(String s) {
        int[] match = lastMatch(s);
        if (match == null) {
            return null;
        }
        int end = match[1];
        int eol = s.indexOf('\n', end);
        String line = s.substring(end, eol < 0 ? s.length() : eol).strip();
        while (line.startsWith("*")) {
            line = line.substring(1).strip();
        }
        while (line.endsWith("*") || line.endsWith(".") || line.endsWith("。")) {
            line = line.substring(0, line.length() - 1).strip();
        }
        return new Cue(line, match[0], eol < 0 ? s.length() : eol);
    }

    /** {start, end} of the last cue: the pattern is tried only at keyword occurrences, latest first. */
    private static int[] lastMatch(String s) {
        String lower = s.toLowerCase(java.util.Locale.ROOT);
        if (lower.length() != s.length()) {
            lower = s; // case mapping changed lengths: find keywords as written (the pattern ignores case)
        }
        java.util.TreeSet<Integer> at = new java.util.TreeSet<>();
        for (String k : KEYWORDS) {
            int found = 0;
            for (int i = lower.lastIndexOf(k); i >= 0 && found < MAX_TRIES; i = lower.lastIndexOf(k, i - 1)) {
                if (k.charAt(0) == '答' || i == 0 || !Character.isLetter(s.charAt(i - 1))) {
                    at.add(i);
                    found++;
                }
            }
        }
        Matcher m = CUE.matcher(s);
        for (int pos : at.descendingSet()) {
            m.region(pos, s.length());
            if (m.lookingAt()) {
                return new int[]{pos, m.end()};
            }
        }
        return null;
    }
}
