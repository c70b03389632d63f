package dev.ward.l7proxy.proxy;

import dev.ward.l7proxy.access.L7AccessEvent;
import dev.ward.l7proxy.access.L7ProxyMetrics.ErrorKind;
import dev.ward.l7proxy.parser.L7Parser;
import dev.ward.l7proxy.parser.L7ParserFactory;
import dev.ward.l7proxy.parser.Op;
import dev.ward.l7proxy.parser.ParserContext;
import dev.ward.l7proxy.parser.ParserRegistry;
import dev.ward.l7proxy.parser.Side;
import dev.ward.l7proxy.parsers.r2d2.R2d2ParserFactory;
import dev.ward.l7proxy.testing.EngineRedirectLookup;
import dev.ward.l7proxy.testing.ProxyInLab;
import dev.ward.l7proxy.testing.SocketServer;
import dev.ward.l7proxy.testing.TransparentLab;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static dev.ward.l7proxy.testing.TransparentLab.SERVER_IP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parsers that throw, ask for more than the limit, never make progress or answer null: each takes down only its
 * own connection. The proxy keeps accepting, and an r2d2 connection open the whole time keeps working.
 */
class MisbehavingParserTest {
    static final String CLIENT = "10.77.1.20";
    static final int R2D2 = 4242;

    record Misbehaving(String name, int port, ErrorKind kind, Function<ParserContext, L7Parser> parser) {}

    static final List<Misbehaving> CASES = List.of(
            new Misbehaving("throwing", 4001, ErrorKind.PARSER_FAILURE, c -> (side, data, end) -> {
                throw new IllegalStateException("parser bug");
            }),
            new Misbehaving("greedy", 4002, ErrorKind.LIMIT, c -> (side, data, end) -> Op.more(Integer.MAX_VALUE - 8)),
            new Misbehaving("looping", 4003, ErrorKind.PARSER_FAILURE,
                    c -> (side, data, end) -> Op.inject(Side.REPLY, new byte[0])),
            new Misbehaving("recursing", 4004, ErrorKind.PARSER_FAILURE, c -> new L7Parser() {
                @Override
                public Op onData(Side side, ByteBuffer data, boolean end) {
                    return onData(side, data, end);
                }
            }),
            new Misbehaving("nothing", 4005, ErrorKind.PARSER_FAILURE, c -> (side, data, end) -> null),
            new Misbehaving("negative", 4006, ErrorKind.PARSER_FAILURE, c -> (side, data, end) -> Op.pass(-1)));

    static TransparentLab lab;
    static ProxyInLab proxy;
    static String pod;
    static final List<SocketServer> servers = new ArrayList<>();

    static L7ParserFactory factory(Misbehaving m) {
        return new L7ParserFactory() {
            @Override
            public String name() {
                return m.name();
            }

            @Override
            public L7Parser create(ParserContext context) {
                return m.parser().apply(context);
            }
        };
    }

    static String policy() {
        StringBuilder sb = new StringBuilder("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata:
                  name: misbehaving
                spec:
                  endpointSelector:
                    matchLabels:
                      app: server
                  ingress:
                  - fromEndpoints:
                    - matchLabels:
                        app: client
                    toPorts:
                    - ports:
                      - port: "4242"
                        protocol: TCP
                      rules:
                        l7proto: r2d2
                        l7:
                        - cmd: READ
                """);
        for (Misbehaving m : CASES) {
            sb.append("""
                        - ports:
                          - port: "%d"
                            protocol: TCP
                          rules:
                            l7proto: %s
                            l7:
                            - {}
                    """.formatted(m.port(), m.name()));
        }
        return sb.toString();
    }

    @BeforeAll
    static void start() throws Exception {
        lab = TransparentLab.create();
        pod = lab.addPod(CLIENT);
        EngineRedirectLookup lookup = EngineRedirectLookup.withPolicies(policy());
        lookup.pod(CLIENT, "app=client", false);
        lookup.pod(SERVER_IP, "app=server", true);
        List<L7ParserFactory> factories = new ArrayList<>(List.of(new R2d2ParserFactory()));
        for (Misbehaving m : CASES) factories.add(factory(m));
        // One event loop: every connection shares the thread a misbehaving parser runs on.
        proxy = ProxyInLab.start(lab, lookup, new ParserRegistry(factories), Direction.INGRESS, 1);
        servers.add(SocketServer.start(lab, lab.serverNamespace(), SERVER_IP, R2D2, MisbehavingParserTest::answerLines));
        for (Misbehaving m : CASES) {
            servers.add(SocketServer.start(lab, lab.serverNamespace(), SERVER_IP, m.port(), MisbehavingParserTest::answerLines));
        }
    }

    @AfterAll
    static void stop() throws IOException {
        for (SocketServer s : servers) s.close();
        if (proxy != null) proxy.close();
        if (lab != null) lab.close();
    }

    static void answerLines(Socket s) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        OutputStream out = s.getOutputStream();
        String line;
        while ((line = in.readLine()) != null) out.write(("OK " + line + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    static Socket connect(int port) {
        return lab.callIn(pod, () -> {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(SERVER_IP, port), 5000);
            s.setSoTimeout(10_000);
            return s;
        });
    }

    static String roundTrip(Socket s, String line) throws IOException {
        s.getOutputStream().write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = s.getInputStream().read()) >= 0) {
            sb.append((char) c);
            if (sb.toString().endsWith("\r\n")) break;
        }
        return sb.toString();
    }

    @Test
    void eachMisbehavingParserLosesOnlyItsOwnConnection() throws Exception {
        try (Socket healthy = connect(R2D2)) {
            assertEquals("OK READ /a\r\n", roundTrip(healthy, "READ /a"));
            for (Misbehaving m : CASES) {
                try (Socket bad = connect(m.port())) {
                    bad.getOutputStream().write("hello\r\n".getBytes(StandardCharsets.US_ASCII));
                    int first;
                    try {
                        first = bad.getInputStream().read();
                    } catch (java.net.SocketException reset) {
                        first = -1;
                    }
                    assertEquals(-1, first, m.name() + ": the connection is closed, nothing forwarded back");
                }
                L7AccessEvent e = proxy.awaitEvent(x -> x.parser().equals(m.name()) && x.type() == L7AccessEvent.Type.ERROR,
                        "closing the " + m.name() + " connection");
                assertEquals(1.0, proxy.proxy.metrics().errors(m.name(), m.kind()), m.name() + ": " + e.reason());
                assertEquals("OK READ /b\r\n", roundTrip(healthy, "READ /b"), "after " + m.name());
            }
            try (Socket fresh = connect(R2D2)) {
                assertEquals("OK READ /c\r\n", roundTrip(fresh, "READ /c"));
                assertEquals("ERROR\r\n", roundTrip(fresh, "HALT"), "r2d2's own denial still works");
            }
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (proxy.proxy.openConnections() > 0 && System.nanoTime() < deadline) Thread.sleep(20);
        assertEquals(0, proxy.proxy.openConnections(), "every connection released");
        assertTrue(proxy.scrape().contains("ward_l7_errors_total{kind=\"parser_failure\",parser=\"throwing\"} 1.0"),
                proxy.scrape());
    }
}
