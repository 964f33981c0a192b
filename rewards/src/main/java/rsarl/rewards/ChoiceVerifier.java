package rsarl.rewards;

import rsarl.rewards.math.AnswerCues;
import rsarl.rewards.math.MathExtractor;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Multiple choice: the chosen letter from {@code \boxed{C}}, "Answer: C", "the answer is (C)", a bare
 * "C" / "(C)" or the option text echoed. Several letters at once ("A or B", "A, B, C, D") are ambiguous:
 * extracted as e.g. "A,B" and scored 0.
 */
public final class ChoiceVerifier implements Verifier {

    private static final int DEFAULT_LETTERS = 10; // A..J when the problem lists no options
    private static final Pattern ANSWER_LINE = Pattern.compile(
            "(?i)\\b(?:final\\s+answer|answer|correct\\s+(?:option|choice)|best\\s+(?:option|choice))"
                    + "\\s*(?:is|:|would\\s+be|should\\s+be)\\s*:?\\s*([^\\n]+)");
    private static final Pattern PAREN_LETTER = Pattern.compile("\\(([A-Z])\\)");
    private static final Pattern TOKEN = Pattern.compile("[\\p{L}\\p{N}]+");
    private static final Set<String> FILLER = Set.of("option", "choice", "answer", "the", "is", "correct", "final",
            "letter", "my", "think", "believe", "guess", "would", "say", "pick", "choose", "go", "with", "it", "be",
            "should", "must", "probably", "so", "therefore", "thus", "hence");
    private static final Set<String> CONNECTOR = Set.of("and", "or", "also", "both");

    @Override
    public String extract(String response, Problem problem) {
        if (response == null) {
            return null;
        }
        response = AnswerCues.afterThinking(response); // only what follows the last </think> counts
        if (response == null) {
            return null;
        }
        int n = problem.options().isEmpty() ? DEFAULT_LETTERS : Math.min(26, problem.options().size());
        String boxed = MathExtractor.lastBoxed(response);
        if (boxed != null) {
            return fromSegment(boxed, n, problem, true);
        }
        String tag = TextAnswers.lastAnswerTag(response);
        if (tag != null) {
            return fromSegment(tag, n, problem, true);
        }
        Matcher m = ANSWER_LINE.matcher(response);
        String line = null;
        int lineAt = -1;
        while (m.find()) {
            line = m.group(1);
            lineAt = m.start();
        }
        AnswerCues.Cue cue = AnswerCues.lastCue(response);
        if (cue != null && cue.start() > lineAt) {
            line = cue.text(); // a later cue, e.g. "答案是 B" or "La respuesta correcta es (C)"
        }
        if (line != null) {
            String r = fromSegment(line, n, problem, false);
            if (r != null) {
                return r;
            }
        }
        String t = response.trim();
        if (t.isEmpty()) {
            return null;
        }
        int nl = t.lastIndexOf('\n');
        String lastLine = t.substring(nl + 1).trim();
        if (nl < 0 && t.length() <= MathExtractor.MAX_BARE_LENGTH) {
            return fromSegment(t, n, problem, true);
        }
        return lastLine.length() <= MathExtractor.MAX_BARE_LENGTH ? fromSegment(lastLine, n, problem, true) : null;
    }

    /**
     * Letters named by a short segment. {@code whole}: the segment is the answer itself (boxed, tag, bare),
     * so a lone lower-case letter counts too.
     */
    private static String fromSegment(String segment, int n, Problem problem, boolean whole) {
        String seg = segment.replace("\\text", " ").replace("\\mathrm", " ").replace("\\textbf", " ").trim();
        List<String> tokens = new ArrayList<>();
        Matcher tm = TOKEN.matcher(seg);
        while (tm.find()) {
            tokens.add(tm.group());
        }
        int i = 0;
        while (i < tokens.size() && (FILLER.contains(tokens.get(i).toLowerCase(Locale.ROOT))
                || (tokens.get(i).equals("I") && i + 1 < tokens.size() && FILLER.contains(tokens.get(i + 1).toLowerCase(Locale.ROOT))))) {
            i++; // "I think it is B": the pronoun I is not option I
        }
        Set<Character> letters = new LinkedHashSet<>();
        if (whole && tokens.size() - i == 1) {
            String tok = tokens.get(i);
            String up = tok.toUpperCase(Locale.ROOT);
            if (tok.length() == 1 && inRange(up.charAt(0), n)) {
                return up;
            }
            // "ABCD": every letter at once
            if (tok.length() > 1 && tok.equals(up) && tok.chars().allMatch(c -> inRange((char) c, n))
                    && tok.chars().distinct().count() == tok.length()) {
                return join(tok.chars().mapToObj(c -> (char) c).toList());
            }
        }
        for (; i < tokens.size(); i++) {
            String tok = tokens.get(i);
            if (tok.length() == 1 && inRange(tok.charAt(0), n)) {
                letters.add(tok.charAt(0));
            } else if (!CONNECTOR.contains(tok.toLowerCase(Locale.ROOT)) || letters.isEmpty()) {
                break;
            }
        }
        if (letters.isEmpty()) {
            Matcher pm = PAREN_LETTER.matcher(seg);
            while (pm.find()) {
                if (inRange(pm.group(1).charAt(0), n)) {
                    letters.add(pm.group(1).charAt(0));
                }
            }
        }
        if (!letters.isEmpty()) {
            return join(new ArrayList<>(letters));
        }
        return optionByText(seg, problem);
    }

    /** The letter of the one option whose text the segment repeats, or null. */
    private static String optionByText(String seg, Problem problem) {
        String cleaned = LatexlessText.of(seg);
        if (cleaned.isEmpty()) {
            return null;
        }
        List<Character> hits = new ArrayList<>();
        for (int k = 0; k < problem.options().size(); k++) {
            String opt = problem.options().get(k);
            String o = LatexlessText.of(opt);
            if (!o.isEmpty() && (o.equals(cleaned) || (opt.chars().anyMatch(Character::isDigit) && MathVerifier.matches(opt, seg)))) {
                hits.add((char) ('A' + k));
            }
        }
        return hits.size() == 1 ? String.valueOf(hits.get(0)) : null;
    }

    private static boolean inRange(char c, int n) {
        return c >= 'A' && c < 'A' + n;
    }

    private static String join(List<Character> letters) {
        StringBuilder sb = new StringBuilder();
        for (char c : letters) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(c);
        }
        return sb.toString();
    }

    @Override
    public Grade grade(String response, Problem problem) {
        String extracted = extract(response, problem);
        if (extracted == null) {
            return new Grade(0, null, "no option letter found");
        }
        if (extracted.contains(",")) {
            return new Grade(0, extracted, "ambiguous: several options chosen");
        }
        String gold = goldLetter(problem);
        if (gold == null) {
            return new Grade(0, extracted, "gold answer is not an option letter: " + problem.answer());
        }
        boolean ok = gold.equals(extracted);
        return new Grade(ok ? 1 : 0, extracted, ok ? "correct option" : "wrong option (gold " + gold + ")");
    }

    /** The gold letter: "C", "(C)", "\boxed{C}", or the text of one option. */
    static String goldLetter(Problem problem) {
        if (problem.answer() == null) {
            return null;
        }
        int n = problem.options().isEmpty() ? 26 : problem.options().size();
        String g = MathVerifier.goldText(problem.answer()).replace("$", "").trim();
        String r = fromSegment(g, n, problem, true);
        return r == null || r.contains(",") ? null : r;
    }

    @Override
    public String goldExtracted(Problem problem) {
        return goldLetter(problem);
    }

    @Override
    public boolean equivalent(String a, String b, Problem problem) {
        return a.trim().equalsIgnoreCase(b.trim());
    }

    /** Option text without LaTeX markup, case or punctuation. */
    private static final class LatexlessText {
        static String of(String s) {
            return TextAnswers.normalize(s.replace("$", ""));
        }
    }
}
