package rsarl.rewards.math;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a response states its final answer: the text after the last {@code </think>}, and the last
 * answer cue ("The final answer is", "**Answer:**", "答案是", "La respuesta es", "Réponse :", "Ответ:",
 * "Die Antwort ist", "A resposta é", "Risposta:") with what follows it on its line.
 */
public final class AnswerCues {

    private static final Pattern CUE = Pattern.compile("(?iu)(?:"
            + "\\b(?:final\\s+answer|answer)\\b\\**\\s*(?:is|would\\s+be|should\\s+be|:|=)\\s*:?"
            + "|(?:最终答案|答案|答)\\s*(?:是|为|為|:|：)"
            + "|\\b(?:la\\s+)?respuesta(?:\\s+(?:final|correcta))?\\s*(?:es|:)"
            + "|\\b(?:la\\s+)?r[ée]ponse(?:\\s+(?:finale|correcte))?\\s*(?:est|:)"
            + "|ответ\\s*(?:[:：—-]|это)"
            + "|\\b(?:die\\s+)?antwort\\s*(?:ist|lautet|:)"
            + "|\\b(?:a\\s+)?resposta(?:\\s+(?:final|correta))?\\s*(?:é|:)"
            + "|\\b(?:la\\s+)?risposta(?:\\s+(?:finale|corretta))?\\s*(?:è|:)"
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
    private static final String[] KEYWORDS = {"answer", "答", "respuesta", "réponse", "reponse", "ответ", "antwort",
            "resposta", "risposta"};
    /** Longest cue text before its keyword ("la respuesta", "final answer") and after it. */
    private static final int BEFORE = 24;
    private static final int AFTER = 48;

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

    /** {start, end} of the last cue, searched only around keyword occurrences, latest first. */
    private static int[] lastMatch(String s) {
        String lower = s.toLowerCase(java.util.Locale.ROOT);
        Matcher m = CUE.matcher(s);
        if (lower.length() != s.length()) {
            return lastIn(m, 0, s.length(), s.length()); // case mapping changed lengths: search it all
        }
        java.util.TreeSet<Integer> at = new java.util.TreeSet<>();
        for (String k : KEYWORDS) {
            for (int i = lower.indexOf(k); i >= 0; i = lower.indexOf(k, i + 1)) {
                at.add(i);
            }
        }
        m.useTransparentBounds(true).useAnchoringBounds(false);
        for (int pos : at.descendingSet()) {
            int[] r = lastIn(m, Math.max(0, pos - BEFORE), Math.min(s.length(), pos + AFTER), pos);
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** The last match in [from, to) that starts at or before {@code atMost}. */
    private static int[] lastIn(Matcher m, int from, int to, int atMost) {
        m.region(from, to);
        int[] last = null;
        while (m.find()) {
            if (m.start() <= atMost) {
                last = new int[]{m.start(), m.end()};
            }
        }
        return last;
    }
}
