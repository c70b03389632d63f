package dev.ward.l7proxy.proxy;

import dev.ward.l7proxy.access.L7AccessEvent;
import dev.ward.l7proxy.access.L7ProxyMetrics.ErrorKind;
import dev.ward.l7proxy.testing.EngineRedirectLookup;
import dev.ward.l7proxy.testing.ProxyInLab;
import dev.ward.l7proxy.testing.SocketServer;
import dev.ward.l7proxy.testing.TransparentLab;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.ward.l7proxy.testing.TransparentLab.SERVER_IP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proxy's three time bounds on real sockets, each closing the connection at its bound and counted by kind: a
 * slowloris client dribbling a header and a client that never sends a request (header timeout), a connection on
 * which both sides went quiet (idle timeout), and an upstream whose SYNs are dropped (connect timeout). A slow
 * body that keeps moving, and a slow download while the client says nothing, are not cut.
 */
class ProxyTimeoutsTest {
    static final String CLIENT = "10.77.1.40";
    static final String BLACKHOLE = "10.77.2.99";
    static final int PORT = 8080;
    static final Duration HEADER = Duration.ofMillis(2000);
    static final Duration IDLE = Duration.ofMillis(3000);
    static final Duration CONNECT = Duration.ofMillis(1000);
    /** How late a close may come on this shared, loaded machine. */
    static final long SLACK_MS = 2500;
    static final String POLICY = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: store
            spec:
              endpointSelector:
                matchLabels:
                  app: store
              ingress:
              - fromEndpoints:
                - matchLabels:
                    app: client
                toPorts:
                - ports:
                  - port: "8080"
                    protocol: TCP
                  rules:
                    http:
                    - method: GET
                    - method: POST
                      path: /upload
            """;

    static TransparentLab lab;
    static ProxyInLab proxy;
    static SocketServer server;
    static String pod;
    /** Request heads the server received, in order. */
    static final List<String> heads = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        lab = TransparentLab.create();
        pod = lab.addPod(CLIENT);
        lab.blackhole(BLACKHOLE);
        EngineRedirectLookup lookup = EngineRedirectLookup.withPolicies(POLICY);
        lookup.pod(CLIENT, "app=client", false);
        lookup.pod(SERVER_IP, "app=store", true);
        lookup.pod(BLACKHOLE, "app=store", true);
        proxy = ProxyInLab.start(lab, lookup, Direction.INGRESS,
                b -> b.headerTimeout(HEADER).idleTimeout(IDLE).connectTimeout(CONNECT));
        server = SocketServer.start(lab, lab.serverNamespace(), SERVER_IP, PORT, ProxyTimeoutsTest::serve);
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) server.close();
        if (proxy != null) proxy.close();
        if (lab != null) lab.close();
    }

    /** GET /drip: a 20-byte body, one byte every 250 ms. GET anything else: "ok". POST /upload: the body's length. */
    static void serve(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        while (true) {
            String head = readHead(in);
            if (head == null) return;
            heads.add(head);
            if (head.startsWith("POST /upload")) {
                long length = Long.parseLong(head.replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
                long got = 0;
                byte[] buf = new byte[8192];
                while (got < length) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, length - got));
                    if (n < 0) return;
                    got += n;
                }
                reply(out, "got " + got);
            } else if (head.startsWith("GET /drip")) {
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                for (int i = 0; i < 20; i++) {
                    sleep(250);
                    out.write('a' + i);
                    out.flush();
                }
            } else {
                reply(out, "ok");
            }
        }
    }

    static void reply(OutputStream out, String body) throws IOException {
        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** A request or response head, or null at the end of the stream. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            if (b.size() >= 4 && b.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                return b.toString(StandardCharsets.US_ASCII);
            }
        }
        return null;
    }

    /** A response's body as text, the head read first. */
    static String readResponse(InputStream in) throws IOException {
        String head = readHead(in);
        if (head == null) throw new IOException("the connection closed before a response");
        byte[] body = in.readNBytes(Integer.parseInt(head.replaceAll("(?s).*Content-Length: (\\d+).*", "$1")));
        return new String(body, StandardCharsets.US_ASCII);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Blocks until the proxy closes the connection (EOF or reset); true if it did so before {@code limitMs}. */
    static boolean awaitClose(Socket s, long limitMs) throws IOException {
        s.setSoTimeout((int) limitMs);
        try {
            while (s.getInputStream().read() >= 0) {
                // a close is what is awaited; stray bytes are not expected but not the question here
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }

    static Socket connect(String ip) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(ip, PORT), 5000);
        return s;
    }

    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    static void assertClosedAtBound(long elapsedMs, Duration bound, String what) {
        assertTrue(elapsedMs >= bound.toMillis() - 50, what + " closed after " + elapsedMs + " ms, before its bound of "
                + bound.toMillis() + " ms");
        assertTrue(elapsedMs <= bound.toMillis() + SLACK_MS, what + " closed only after " + elapsedMs + " ms (bound "
                + bound.toMillis() + " ms)");
    }

    static L7AccessEvent awaitError(ErrorKind kind) throws InterruptedException {
        return proxy.awaitEvent(e -> e.type() == L7AccessEvent.Type.ERROR && kind.label().equals(e.fields().get("error")),
                "error " + kind.label());
    }

    @Test
    void aClientDribblingItsHeaderIsClosedAtTheHeaderTimeout() throws Exception {
        double before = proxy.proxy.metrics().errors("http", ErrorKind.HEADER_TIMEOUT);
        int headsBefore = heads.size();
        long elapsed = lab.callIn(pod, () -> {
            try (Socket s = connect(SERVER_IP)) {
                long start = System.nanoTime();
                Thread dribbler = Thread.ofPlatform().daemon().start(() -> {
                    byte[] head = "GET /slow HTTP/1.1\r\nHost: store\r\nX-Slow: zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
                            .getBytes(StandardCharsets.US_ASCII);
                    try {
                        OutputStream out = s.getOutputStream();
                        for (byte b : head) {
                            out.write(b);
                            out.flush();
                            Thread.sleep(100);
                        }
                    } catch (IOException | InterruptedException closed) {
                        // the proxy closed the connection: what this test waits for
                    }
                });
                assertTrue(awaitClose(s, HEADER.toMillis() + SLACK_MS * 2), "the proxy kept the dribbling connection open");
                long ms = millisSince(start);
                dribbler.interrupt();
                return ms;
            }
        });
        assertClosedAtBound(elapsed, HEADER, "a connection dribbling its header");
        L7AccessEvent e = awaitError(ErrorKind.HEADER_TIMEOUT);
        assertEquals(CLIENT, e.source().getAddress().getHostAddress());
        assertEquals(before + 1, proxy.proxy.metrics().errors("http", ErrorKind.HEADER_TIMEOUT));
        assertEquals(headsBefore, heads.size(), "the server never saw the unfinished head: " + heads);
        assertTrue(proxy.scrape().contains("ward_l7_errors_total{kind=\"header_timeout\",parser=\"http\"}"));
    }

    @Test
    void aConnectionThatNeverSendsARequestIsClosedAtTheHeaderTimeout() throws Exception {
        double before = proxy.proxy.metrics().errors("http", ErrorKind.HEADER_TIMEOUT);
        long elapsed = lab.callIn(pod, () -> {
            try (Socket s = connect(SERVER_IP)) {
                long start = System.nanoTime();
                assertTrue(awaitClose(s, HEADER.toMillis() + SLACK_MS * 2), "the proxy kept the silent connection open");
                return millisSince(start);
            }
        });
        assertClosedAtBound(elapsed, HEADER, "a connection without a first request");
        awaitError(ErrorKind.HEADER_TIMEOUT);
        assertTrue(proxy.proxy.metrics().errors("http", ErrorKind.HEADER_TIMEOUT) >= before + 1);
    }

    @Test
    void aSlowBodyThatKeepsMovingOutlastsTheHeaderTimeout() throws Exception {
        int chunks = 40;
        String reply = lab.callIn(pod, () -> {
            try (Socket s = connect(SERVER_IP)) {
                s.setSoTimeout(30_000);
                OutputStream out = s.getOutputStream();
                out.write(("POST /upload HTTP/1.1\r\nHost: store\r\nContent-Length: " + chunks * 512 + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                long start = System.nanoTime();
                // 40 x 150 ms = 6 s of body: three header timeouts, each gap well inside the idle timeout.
                for (int i = 0; i < chunks; i++) {
                    out.write(new byte[512]);
                    out.flush();
                    Thread.sleep(150);
                }
                assertTrue(millisSince(start) > 2 * HEADER.toMillis(), "the body took longer than the header timeout");
                return readResponse(s.getInputStream());
            }
        });
        assertEquals("got " + chunks * 512, reply, "the whole body reached the server");
    }

    @Test
    void aSlowDownloadToAQuietClientIsNotIdle() throws Exception {
        String body = lab.callIn(pod, () -> {
            try (Socket s = connect(SERVER_IP)) {
                s.setSoTimeout(30_000);
                s.getOutputStream().write("GET /drip HTTP/1.1\r\nHost: store\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                // 20 x 250 ms = 5 s of reply while the client sends nothing: longer than the idle timeout.
                return readResponse(s.getInputStream());
            }
        });
        assertEquals("abcdefghijklmnopqrst", body);
    }

    @Test
    void aConnectionOnWhichBothSidesAreQuietIsClosedAtTheIdleTimeout() throws Exception {
        double before = proxy.proxy.metrics().errors("http", ErrorKind.IDLE_TIMEOUT);
        long[] times = lab.callIn(pod, () -> {
            try (Socket s = connect(SERVER_IP)) {
                s.setSoTimeout(10_000);
                long start = System.nanoTime();
                OutputStream out = s.getOutputStream();
                out.write("GET /a HTTP/1.1\r\nHost: store\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("ok", readResponse(s.getInputStream()));
                // Quiet for most of the idle timeout, then a second request: activity restarts the clock.
                Thread.sleep(IDLE.toMillis() * 2 / 3);
                out.write("GET /b HTTP/1.1\r\nHost: store\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("ok", readResponse(s.getInputStream()));
                long lastReply = System.nanoTime();
                assertTrue(awaitClose(s, IDLE.toMillis() + SLACK_MS * 2), "the proxy kept the idle connection open");
                return new long[] {millisSince(lastReply), millisSince(start)};
            }
        });
        assertClosedAtBound(times[0], IDLE, "an idle connection");
        assertTrue(times[1] > IDLE.toMillis() + IDLE.toMillis() / 2, "the first quiet spell did not close it ("
                + times[1] + " ms in all)");
        awaitError(ErrorKind.IDLE_TIMEOUT);
        assertEquals(before + 1, proxy.proxy.metrics().errors("http", ErrorKind.IDLE_TIMEOUT));
    }

    @Test
    void anUpstreamThatNeverAnswersTheSynIsGivenUpAtTheConnectTimeout() throws Exception {
        double before = proxy.proxy.metrics().errors("http", ErrorKind.CONNECT_TIMEOUT);
        long dropped = lab.blackholedPackets();
        long elapsed = lab.callIn(pod, () -> {
            // The node's TPROXY hands the connection to the proxy at once; the proxy's own SYNs go unanswered.
            try (Socket s = connect(BLACKHOLE)) {
                long start = System.nanoTime();
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: store\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertTrue(awaitClose(s, CONNECT.toMillis() + SLACK_MS * 2), "the proxy kept the connection open");
                return millisSince(start);
            }
        });
        assertClosedAtBound(elapsed, CONNECT, "a connection to an unanswering upstream");
        L7AccessEvent e = awaitError(ErrorKind.CONNECT_TIMEOUT);
        assertEquals(BLACKHOLE, e.destination().getAddress().getHostAddress());
        assertEquals(before + 1, proxy.proxy.metrics().errors("http", ErrorKind.CONNECT_TIMEOUT));
        assertTrue(lab.blackholedPackets() > dropped, "the proxy's SYNs reached the blackhole and were dropped there");
    }
}
