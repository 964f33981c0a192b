package rsarl.rollout.serve;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The load generator of {@link ServeLoadBenchmark}: {@code inFlight} closed-loop clients on one thread and one
 * selector (as {@code vllm bench serve} runs its clients on one event loop), each sending its next chat request when
 * the last one's answer has ended. One thread matters on a small machine: a thread per stream would wake once per
 * token on the cores the engine decodes on, which a remote client does not.
 *
 * <p>Requests go out as HTTP/1.1 with {@code Connection: close}; answers are read to the end, de-chunked, and their
 * server-sent events scanned for the first token's chunk and the usage chunk.
 */
final class LoadClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request: time to its first token (its latency when not streamed), latency, completion tokens. */
    record Sample(double ttftMs, double latencyMs, long tokens) {
    }

    private LoadClient() {
    }

    /** Sends every body once from {@code inFlight} clients to {@code POST path} at {@code host:port}. */
    static List<Sample> run(String host, int port, String path, List<String> bodies, int inFlight) throws IOException {
        List<Sample> out = new ArrayList<>();
        int next = 0;
        try (Selector selector = Selector.open()) {
            for (; next < Math.min(inFlight, bodies.size()); next++) open(selector, host, port, path, bodies.get(next));
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            // requests open = sent - answered (not selector.keys(): a cancelled key stays there until the next
            // select, which would then wait)
            while (out.size() < next) {
                selector.select(1000);
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    Exchange ex = (Exchange) key.attachment();
                    SocketChannel ch = (SocketChannel) key.channel();
                    if (key.isConnectable() && ch.finishConnect()) key.interestOps(SelectionKey.OP_WRITE);
                    if (key.isValid() && key.isWritable()) {
                        ch.write(ex.request);
                        if (!ex.request.hasRemaining()) key.interestOps(SelectionKey.OP_READ);
                    }
                    if (key.isValid() && key.isReadable()) {
                        buf.clear();
                        int n = ch.read(buf);
                        if (n > 0) ex.received(buf.array(), n);
                        if (n < 0) {
                            key.cancel();
                            ch.close();
                            out.add(ex.sample());
                            if (next < bodies.size()) open(selector, host, port, path, bodies.get(next++));
                        }
                    }
                }
            }
        }
        return out;
    }

    private static void open(Selector selector, String host, int port, String path, String body) throws IOException {
        SocketChannel ch = SocketChannel.open();
        ch.configureBlocking(false);
        ch.connect(new InetSocketAddress(host, port));
        ch.register(selector, SelectionKey.OP_CONNECT, new Exchange(host, port, path, body));
    }

    /** One request and its answer as it arrives: headers, then chunked (or plain) body bytes, then SSE lines. */
    private static final class Exchange {
        final ByteBuffer request;
        final boolean stream;
        final long t0 = System.nanoTime();
        final StringBuilder head = new StringBuilder();
        boolean inBody;
        boolean chunked;
        int status;
        /** De-chunking: bytes left in the current chunk, -1 while reading a size line. */
        long chunkLeft = -1;
        final StringBuilder sizeLine = new StringBuilder();
        /** The body's current (unfinished) line; a whole body when not streamed. */
        final StringBuilder line = new StringBuilder();
        double ttftMs = -1;
        long tokens;
        final StringBuilder whole = new StringBuilder();

        Exchange(String host, int port, String path, String body) {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            String h = "POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nContent-Type: application/json"
                    + "\r\nContent-Length: " + b.length + "\r\nConnection: close\r\n\r\n";
            byte[] hb = h.getBytes(StandardCharsets.US_ASCII);
            request = ByteBuffer.allocate(hb.length + b.length).put(hb).put(b).flip();
            stream = body.contains("\"stream\":true");
        }

        void received(byte[] bytes, int n) {
            for (int i = 0; i < n; i++) {
                char c = (char) (bytes[i] & 0xff); // ASCII patterns are all we look for; JSON is parsed as Latin-1
                if (!inBody) {
                    head.append(c);
                    if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) headersDone();
                } else if (!chunked) {
                    body(c);
                } else if (chunkLeft < 0) {
                    if (c == '\n') {
                        String size = sizeLine.toString().strip();
                        sizeLine.setLength(0);
                        if (!size.isEmpty()) chunkLeft = Long.parseLong(size.split(";")[0], 16);
                    } else {
                        sizeLine.append(c);
                    }
                } else if (chunkLeft > 0) {
                    body(c);
                    chunkLeft--;
                } else if (c == '\n') {
                    chunkLeft = -1; // the CRLF after a chunk's data
                }
            }
        }

        private void headersDone() {
            inBody = true;
            String h = head.toString();
            status = Integer.parseInt(h.substring(9, 12));
            chunked = h.toLowerCase().contains("transfer-encoding: chunked");
        }

        private void body(char c) {
            if (!stream) {
                whole.append(c);
                return;
            }
            if (c != '\n') {
                line.append(c);
                return;
            }
            String l = line.toString();
            line.setLength(0);
            if (!l.startsWith("data: {")) return;
            // the first chunk with content that is neither the role chunk nor a last one: the first token
            if (ttftMs < 0 && l.contains("\"content\":") && !l.contains("\"role\":")
                    && l.contains("\"finish_reason\":null")) {
                ttftMs = (System.nanoTime() - t0) / 1e6;
            }
            if (l.contains("\"usage\":{")) tokens = usage(l.substring(6));
        }

        Sample sample() throws IOException {
            double latency = (System.nanoTime() - t0) / 1e6;
            if (status != 200) throw new IOException("HTTP " + status + ": " + whole + line);
            if (!stream) return new Sample(latency, latency, usage(whole.toString()));
            return new Sample(ttftMs < 0 ? latency : ttftMs, latency, tokens);
        }

        private static long usage(String json) {
            try {
                return JSON.readTree(json).get("usage").get("completion_tokens").asLong();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("not a usage chunk: " + json, e);
            }
        }
    }
}
