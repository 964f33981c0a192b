package rsarl.rewards.code;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Drains a stream, keeping at most {@code cap} bytes and flagging when more came. */
final class CappedReader implements Runnable {
    private final InputStream in;
    private final int cap;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    volatile boolean capped;

    CappedReader(InputStream in, int cap) {
        this.in = in;
        this.cap = cap;
    }

    @Override
    public void run() {
        byte[] b = new byte[8192];
        try {
            int n;
            while ((n = in.read(b)) > 0) {
                synchronized (buf) {
                    int keep = Math.min(n, cap - buf.size());
                    if (keep > 0) {
                        buf.write(b, 0, keep);
                    }
                    if (keep < n) {
                        capped = true;
                        return;
                    }
                }
            }
        } catch (IOException ignored) {
            // process killed
        }
    }

    String text() {
        synchronized (buf) {
            return buf.toString(StandardCharsets.UTF_8);
        }
    }
}
