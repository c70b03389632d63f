package dev.ward.l7proxy.proxy;

import dev.ward.l7proxy.testing.EngineRedirectLookup;
import dev.ward.l7proxy.testing.ProxyInLab;
import dev.ward.l7proxy.testing.SocketServer;
import dev.ward.l7proxy.testing.TransparentLab;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import static dev.ward.l7proxy.testing.TransparentLab.SERVER_IP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fast writer and a slow reader on either side of the proxy: bodies stream through whole, and the proxy holds
 * no more for the connection than its water marks, one read and one socket receive buffer, however far the
 * writer gets ahead (24 MiB here).
 */
class BackPressureTest {
    static final String CLIENT = "10.77.1.30";
    static final int PORT = 8080;
    static final int BODY = 24 * 1024 * 1024;
    /**
     * Two channels' high-water marks (64 KiB each), a read of up to 64 KiB, and what netty drains from the kernel
     * when a peer closes (the 256 KiB SO_RCVBUF, which the kernel doubles): under this.
     */
    static final long BOUND = 1024 * 1024;
    static final String POLICY = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: transfers
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
                    - method: POST
                      path: /upload
                    - method: GET
                      path: /download
            """;

    static TransparentLab lab;
    static ProxyInLab proxy;
    static SocketServer server;
    static String pod;

    @BeforeAll
    static void start() throws Exception {
        lab = TransparentLab.create();
        pod = lab.addPod(CLIENT);
        EngineRedirectLookup lookup = EngineRedirectLookup.withPolicies(POLICY);
        lookup.pod(CLIENT, "app=client", false);
        lookup.pod(SERVER_IP, "app=store", true);
        proxy = ProxyInLab.start(lab, lookup, Direction.INGRESS);
        server = SocketServer.start(lab, lab.serverNamespace(), SERVER_IP, PORT, BackPressureTest::serve);
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) server.close();
        if (proxy != null) proxy.close();
        if (lab != null) lab.close();
    }

    /** Reads uploads slowly and answers their CRC; writes downloads as fast as the socket takes them. */
    static void serve(Socket s) throws IOException {
        s.setReceiveBufferSize(64 * 1024);
        InputStream in = s.getInputStream();
        String head = readHead(in);
        OutputStream out = s.getOutputStream();
        if (head.startsWith("POST /upload")) {
            CRC32 crc = new CRC32();
            byte[] buf = new byte[32 * 1024];
            long left = BODY;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) throw new IOException("upload cut short");
                crc.update(buf, 0, n);
                left -= n;
                sleep(2);
            }
            String body = Long.toHexString(crc.getValue());
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
        } else {
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + BODY + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = pattern();
            for (int sent = 0; sent < BODY; sent += chunk.length) out.write(chunk);
        }
        out.flush();
    }

    static byte[] pattern() {
        byte[] chunk = new byte[64 * 1024];
        for (int i = 0; i < chunk.length; i++) chunk[i] = (byte) (i * 31 + 7);
        return chunk;
    }

    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            String s = b.toString(StandardCharsets.US_ASCII);
            if (s.endsWith("\r\n\r\n")) return s;
        }
        throw new IOException("no head");
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Samples the most the proxy holds for any connection while {@code transfer} runs. */
    static long maxHeldWhile(CompletableFuture<?> transfer) throws Exception {
        long max = 0;
        while (!transfer.isDone()) {
            max = Math.max(max, proxy.proxy.maxHeldBytes());
            Thread.sleep(5);
        }
        transfer.get(1, TimeUnit.SECONDS);
        return max;
    }

    @Test
    void aFastUploadToASlowServerStreamsWithBoundedMemory() throws Exception {
        byte[] chunk = pattern();
        CRC32 expected = new CRC32();
        for (int sent = 0; sent < BODY; sent += chunk.length) expected.update(chunk);
        AtomicLong written = new AtomicLong();
        CompletableFuture<String> upload = CompletableFuture.supplyAsync(() -> lab.callIn(pod, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(SERVER_IP, PORT), 5000);
                s.setSoTimeout(60_000);
                OutputStream out = s.getOutputStream();
                out.write(("POST /upload HTTP/1.1\r\nHost: store\r\nContent-Length: " + BODY + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                for (int sent = 0; sent < BODY; sent += chunk.length) {
                    out.write(chunk);
                    written.addAndGet(chunk.length);
                }
                InputStream in = s.getInputStream();
                String head = readHead(in);
                byte[] body = new byte[Integer.parseInt(head.replaceAll("(?s).*Content-Length: (\\d+).*", "$1"))];
                new DataInputStream(in).readFully(body);
                return new String(body, StandardCharsets.US_ASCII);
            }
        }));
        long max = maxHeldWhile(upload);
        assertEquals(Long.toHexString(expected.getValue()), upload.get(), "the server read the whole body, intact");
        assertTrue(max < BOUND, "the proxy held up to " + max + " bytes for the connection");
        assertTrue(max > 0, "the proxy was seen holding bytes at all");
    }

    @Test
    void aFastDownloadToASlowClientStreamsWithBoundedMemory() throws Exception {
        byte[] chunk = pattern();
        CompletableFuture<Long> download = CompletableFuture.supplyAsync(() -> lab.callIn(pod, () -> {
            try (Socket s = new Socket()) {
                s.setReceiveBufferSize(64 * 1024);
                s.connect(new InetSocketAddress(SERVER_IP, PORT), 5000);
                s.setSoTimeout(60_000);
                s.getOutputStream().write("GET /download HTTP/1.1\r\nHost: store\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                readHead(in);
                byte[] buf = new byte[32 * 1024];
                long got = 0;
                long mismatches = 0;
                while (got < BODY) {
                    int n = in.read(buf);
                    if (n < 0) break;
                    for (int i = 0; i < n; i++) if (buf[i] != chunk[(int) ((got + i) % chunk.length)]) mismatches++;
                    got += n;
                    sleep(2);
                }
                return mismatches == 0 ? got : -mismatches;
            }
        }));
        long max = maxHeldWhile(download);
        assertEquals(BODY, download.get(), "the client read the whole body, intact");
        assertTrue(max < BOUND, "the proxy held up to " + max + " bytes for the connection");
    }
}
