package dev.ward.l7proxy.parsers.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.l7proxy.access.AccessEventJson;
import dev.ward.l7proxy.access.L7AccessEvent;
import dev.ward.l7proxy.access.L7ProxyMetrics.ErrorKind;
import dev.ward.l7proxy.testing.EngineRedirectLookup;
import dev.ward.l7proxy.testing.Nginx;
import dev.ward.l7proxy.testing.ProxyInLab;
import dev.ward.l7proxy.testing.SeedPolicies;
import dev.ward.l7proxy.testing.TransparentLab;
import dev.ward.l7proxy.testing.TransparentLab.Exec;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.ward.l7proxy.testing.TransparentLab.SERVER_IP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Star Wars HTTP policy, as written, enforced by the proxy on real traffic: curl in pod namespaces, nginx in a
 * server namespace, the node redirecting with TPROXY. Shows the transparency too: nginx sees the pod's own address
 * and is reached on the address the client dialled.
 */
class HttpThroughProxyTest {
    static final String TIEFIGHTER = "10.77.1.10";
    static final String XWING = "10.77.1.11";
    static final String URL = "http://" + SERVER_IP + "/v1/request-landing";

    static TransparentLab lab;
    static ProxyInLab proxy;
    static Nginx nginx;
    static String tiefighter;
    static String xwing;

    @BeforeAll
    static void start() throws Exception {
        lab = TransparentLab.create();
        tiefighter = lab.addPod(TIEFIGHTER);
        xwing = lab.addPod(XWING);
        EngineRedirectLookup lookup = EngineRedirectLookup.withPolicies(SeedPolicies.starWarsHttp());
        lookup.pod(TIEFIGHTER, "org=empire,class=tiefighter", false);
        lookup.pod(XWING, "org=alliance,class=xwing", false);
        lookup.pod(SERVER_IP, "org=empire,class=deathstar", true);
        proxy = ProxyInLab.start(lab, lookup, Direction.INGRESS);
        nginx = Nginx.start(lab, SERVER_IP, 80, 1);
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
        if (lab != null) lab.close();
    }

    private static Exec curl(String pod, String... args) {
        String[] cmd = new String[args.length + 4];
        cmd[0] = "curl";
        cmd[1] = "-sS";
        cmd[2] = "--max-time";
        cmd[3] = "10";
        System.arraycopy(args, 0, cmd, 4, args.length);
        return lab.exec(pod, cmd);
    }

    @Test
    void anAllowedRequestReachesNginxFromThePodsOwnAddressAtTheDialledDestination() throws Exception {
        long markedBefore = lab.upstreamMarkedPackets();
        Exec e = curl(tiefighter, "-X", "POST", URL);
        assertEquals(0, e.exitCode(), e.output());
        assertEquals(TIEFIGHTER + " " + SERVER_IP + ":80 POST /v1/request-landing\n", e.output());
        assertTrue(lab.upstreamMarkedPackets() > markedBefore, "upstream packets carry the proxy's SO_MARK");
        L7AccessEvent ev = proxy.awaitEvent(x -> x.type() == L7AccessEvent.Type.REQUEST
                && x.source().getAddress().getHostAddress().equals(TIEFIGHTER), "for the tiefighter's request");
        assertEquals(L7AccessEvent.Outcome.FORWARDED, ev.outcome());
        assertEquals("CiliumNetworkPolicy/default/rule1 spec.ingress[0]", ev.rule());
        JsonNode json = new ObjectMapper().readTree(AccessEventJson.render(ev));
        assertEquals("POST", json.at("/fields/method").asText());
        assertEquals("/v1/request-landing", json.at("/fields/path").asText());
        assertEquals(SERVER_IP, json.at("/destination/ip").asText());
        assertEquals(80, json.at("/destination/port").asInt());
        assertEquals("forwarded", json.at("/verdict").asText());
        assertEquals("http", json.at("/parser").asText());
        assertTrue(json.at("/source/identity").asLong() >= 256, json.toString());
    }

    @Test
    void keepAliveDeniedRequestsGet403AndTheSameConnectionCarriesOn() {
        Exec e = curl(tiefighter, "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\\n", "-X", "POST", URL,
                "--next", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\\n", "-X", "PUT",
                "http://" + SERVER_IP + "/v1/exhaust-port",
                "--next", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\\n", "http://" + SERVER_IP + "/v1/request-landing",
                "--next", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\\n", "-X", "POST", URL);
        assertEquals(0, e.exitCode(), e.output());
        assertEquals("200 1\n403 0\n403 0\n200 0\n", e.output(), "one connection, denied requests answered in it");
    }

    @Test
    void chunkedAndLargeBodiesStreamThrough() throws Exception {
        Path body = Files.createTempFile("ward-l7-body", ".bin");
        byte[] data = new byte[3 * 1024 * 1024];
        new java.util.Random(7).nextBytes(data);
        Files.write(body, data);
        Exec chunked = curl(tiefighter, "-X", "POST", "-H", "Transfer-Encoding: chunked", "-H", "X-Count-Body: 1",
                "--data-binary", "@" + body, URL);
        assertEquals(0, chunked.exitCode(), chunked.output());
        assertEquals("body of " + data.length + " bytes\n", chunked.output());
        Exec plain = curl(tiefighter, "-X", "POST", "-H", "X-Count-Body: 1", "--data-binary", "@" + body, URL,
                "--next", "-X", "POST", URL);
        assertEquals(0, plain.exitCode(), plain.output());
        assertEquals("body of " + data.length + " bytes\n" + TIEFIGHTER + " " + SERVER_IP + ":80 POST /v1/request-landing\n",
                plain.output());
        Files.delete(body);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        String allowed = "POST /v1/request-landing HTTP/1.1\r\nHost: deathstar\r\nContent-Length: 0\r\n\r\n";
        String denied = "DELETE /v1/request-landing HTTP/1.1\r\nHost: deathstar\r\n\r\n";
        String reply = lab.callIn(tiefighter, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(SERVER_IP, 80), 5000);
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write((allowed + denied + allowed + denied).getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                StringBuilder sb = new StringBuilder();
                byte[] buf = new byte[4096];
                int n;
                while (sb.toString().split("HTTP/1.1 ", -1).length < 5 && (n = in.read(buf)) > 0) {
                    sb.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
                }
                return sb.toString();
            }
        });
        List<String> statuses = reply.lines().filter(l -> l.startsWith("HTTP/1.1 ")).toList();
        assertEquals(List.of("HTTP/1.1 200 OK", "HTTP/1.1 403 Forbidden", "HTTP/1.1 200 OK", "HTTP/1.1 403 Forbidden"),
                statuses, reply);
    }

    @Test
    void aClientThatHalfClosesAfterPipelinedRequestsStillGetsEveryAnswer() throws Exception {
        String allowed = "POST /v1/request-landing HTTP/1.1\r\nHost: deathstar\r\nContent-Length: 0\r\n\r\n";
        String denied = "DELETE /v1/request-landing HTTP/1.1\r\nHost: deathstar\r\n\r\n";
        String reply = lab.callIn(tiefighter, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(SERVER_IP, 80), 5000);
                s.setSoTimeout(10_000);
                s.getOutputStream().write((allowed + denied + allowed).getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
                return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            }
        });
        List<String> statuses = reply.lines().filter(l -> l.startsWith("HTTP/1.1 ")).toList();
        assertEquals(List.of("HTTP/1.1 200 OK", "HTTP/1.1 403 Forbidden", "HTTP/1.1 200 OK"), statuses,
                reply + "\n" + proxy.events());
    }

    @Test
    void aPodTheRulesDoNotAdmitAtL3HasItsConnectionClosed() throws Exception {
        double before = proxy.proxy.metrics().errors("none", ErrorKind.UPSTREAM);
        Exec e = curl(xwing, "-X", "POST", URL);
        assertNotEquals(0, e.exitCode(), e.output());
        assertTrue(nginx.accessLog().stream().noneMatch(l -> l.startsWith(XWING)), "nginx never saw the x-wing");
        assertTrue(proxy.proxy.metrics().errors("none", ErrorKind.UPSTREAM) > before);
    }

    @Test
    void smugglingIsRefusedAndCounted() throws Exception {
        double before = proxy.proxy.metrics().errors("http", ErrorKind.MALFORMED);
        String smuggle = "POST /v1/request-landing HTTP/1.1\r\nHost: d\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nPUT /v1/exhaust-port HTTP/1.1\r\nHost: d\r\n\r\n";
        String reply = lab.callIn(tiefighter, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(SERVER_IP, 80), 5000);
                s.setSoTimeout(10_000);
                s.getOutputStream().write(smuggle.getBytes(StandardCharsets.US_ASCII));
                return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            }
        });
        assertTrue(reply.startsWith("HTTP/1.1 400 Bad Request"), reply);
        assertTrue(nginx.accessLog().stream().noneMatch(l -> l.contains("exhaust-port")), "nothing smuggled to nginx");
        assertEquals(before + 1, proxy.proxy.metrics().errors("http", ErrorKind.MALFORMED));
        String metrics = proxy.scrape();
        assertTrue(metrics.contains("ward_l7_errors_total{kind=\"malformed\",parser=\"http\"}"), metrics);
        assertTrue(metrics.contains("ward_l7_requests_total{parser=\"http\",verdict=\"denied\"}")
                || proxy.proxy.metrics().requests("http", false) == 0, metrics);
    }
}
