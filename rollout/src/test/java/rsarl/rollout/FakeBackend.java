package rsarl.rollout;

import rsarl.rollout.backend.Backend;
import rsarl.rollout.backend.BackendException;
import rsarl.rollout.backend.BackendResult;
import rsarl.rollout.backend.ChatRequest;
import rsarl.rollout.backend.ResultListener;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test-only deterministic "model": its reply depends only on the prompt and the request seed. A plain
 * prompt gets a random digit in \boxed{}; an aggregation prompt mostly repeats the most common
 * candidate answer (ties: the first seen), sometimes a random digit. It can be told to fail after a
 * number of requests, like a killed run.
 */
public final class FakeBackend implements Backend {
    private static final Pattern BOXED = Pattern.compile("\\\\boxed\\{([^}]*)}");

    private final List<ChatRequest> received = Collections.synchronizedList(new ArrayList<>());
    private final int failAfter;

    public FakeBackend() {
        this(Integer.MAX_VALUE);
    }

    public FakeBackend(int failAfter) {
        this.failAfter = failAfter;
    }

    public List<ChatRequest> received() {
        return received;
    }

    @Override
    public List<BackendResult> generate(List<ChatRequest> requests, ResultListener listener) {
        List<BackendResult> out = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            if (received.size() >= failAfter) {
                throw new BackendException("fake backend: killed after " + failAfter + " requests");
            }
            ChatRequest r = requests.get(i);
            received.add(r);
            BackendResult result = reply(r);
            out.add(result);
            listener.onResult(i, result);
        }
        return out;
    }

    public static BackendResult reply(ChatRequest r) {
        String prompt = r.messages().get(0).content();
        SplittableRandom random = new SplittableRandom(r.seed() * 31 + prompt.hashCode());
        String answer;
        if (prompt.contains("Candidate") && random.nextDouble() < 0.8) {
            answer = mostCommon(prompt);
        } else {
            answer = Integer.toString(random.nextInt(4));
        }
        String text = "Thinking about seed " + r.seed() + ". \\boxed{" + answer + "}";
        return new BackendResult(text, prompt.length() / 4, 10 + random.nextInt(20), "stop");
    }

    private static String mostCommon(String prompt) {
        // Only the candidate section counts (the format hint also contains \boxed{...}).
        int at = prompt.indexOf("# Candidate");
        Matcher m = BOXED.matcher(prompt.substring(at));
        List<String> seen = new ArrayList<>();
        while (m.find()) {
            if (!m.group(1).isBlank()) {
                seen.add(m.group(1));
            }
        }
        String best = "0";
        int bestCount = 0;
        for (String s : seen) {
            int c = Collections.frequency(seen, s);
            if (c > bestCount) {
                best = s;
                bestCount = c;
            }
        }
        return best;
    }

    @Override
    public String describe() {
        return "fake";
    }

    @Override
    public void close() {
    }
}
