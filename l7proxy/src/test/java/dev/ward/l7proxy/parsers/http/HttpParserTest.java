package dev.ward.l7proxy.parsers.http;

import dev.ward.l7proxy.access.L7ProxyMetrics.ErrorKind;
import dev.ward.l7proxy.proxy.ParserHarness;
import dev.ward.l7proxy.proxy.ParserHarness.Result;
import dev.ward.l7proxy.testing.EngineRedirectLookup;
import dev.ward.l7proxy.testing.SeedPolicies;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static dev.ward.l7proxy.proxy.ParserHarness.reply;
import static dev.ward.l7proxy.proxy.ParserHarness.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP parser against the Star Wars policy (POST /v1/request-landing from org=empire), as written. */
class HttpParserTest {
    static final String TIEFIGHTER = "10.1.0.1";
    static final String DEATHSTAR = "10.1.0.9";
    static final String FORBIDDEN = "HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: 15\r\n\r\nAccess denied\r\n";
    static final String LANDING ="POST /v1/request-landing HTTP/1.1\r\nHost: deathstar\r\nContent-Length: 5\r\n\r\nhello";
    static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nShip landed\r\n";

    static EngineRedirectLookup lookup() {
        EngineRedirectLookup l = EngineRedirectLookup.withPolicies(SeedPolicies.starWarsHttp());
        l.pod(TIEFIGHTER, "org=empire,class=tiefighter", false);
        l.pod("10.1.0.2", "org=alliance,class=xwing", false);
        l.pod(DEATHSTAR, "org=empire,class=deathstar", true);
        return l;
    }

    private final EngineRedirectLookup lookup = lookup();
    private final ParserHarness harness = new ParserHarness(new HttpParserFactory(), lookup, Direction.INGRESS,
            TIEFIGHTER, DEATHSTAR, 80);

    @Test
    void pipelinedRequestsGetTheir403InTurnAndTheConnectionStaysUsable() {
        String denied = "PUT /v1/exhaust-port HTTP/1.1\r\nHost: deathstar\r\nContent-Length: 4\r\n\r\nboom";
        String chunked = "POST /v1/request-landing HTTP/1.1\r\nHost: deathstar\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";
        String chunkedReply = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nyes!\r\n0\r\n\r\n";
        Result r = harness.assertSplitInvariant(List.of(
                request(LANDING + denied + chunked),
                reply(OK),
                reply(chunkedReply)));
        assertEquals(LANDING + chunked, r.toServerText());
        assertEquals(OK + FORBIDDEN + chunkedReply, r.toClientText());
        assertFalse(r.failed(), r.failure());
        String rule = " CiliumNetworkPolicy/default/rule1 spec.ingress[0]";
        assertEquals(List.of(
                "REQUEST FORWARDED {host=deathstar, method=POST, path=/v1/request-landing}" + rule,
                "REQUEST DENIED {host=deathstar, method=PUT, path=/v1/exhaust-port}",
                "REQUEST FORWARDED {host=deathstar, method=POST, path=/v1/request-landing}" + rule,
                "REPLY FORWARDED {host=deathstar, method=POST, path=/v1/request-landing, status=200}",
                "REPLY DENIED {host=deathstar, method=PUT, path=/v1/exhaust-port, status=403}",
                "REPLY FORWARDED {host=deathstar, method=POST, path=/v1/request-landing, status=200}"), r.events());
    }

    @Test
    void aDeniedRequestWithNothingInFlightIsAnsweredAtOnceAndItsChunkedBodyDropped() {
        String get = "GET /v1/request-landing HTTP/1.1\r\nHost: deathstar\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        Result r = harness.assertSplitInvariant(List.of(request(get + LANDING), reply(OK)));
        assertEquals(LANDING, r.toServerText());
        assertEquals(FORBIDDEN + OK, r.toClientText());
    }

    @Test
    void interimAndBodilessRepliesKeepTheOrder() {
        String head = "HEAD /v1/x HTTP/1.1\r\nHost: d\r\n\r\n";
        lookup.apply("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata:
                  name: any-head
                spec:
                  endpointSelector:
                    matchLabels:
                      class: deathstar
                  ingress:
                  - fromEndpoints:
                    - matchLabels:
                        org: empire
                    toPorts:
                    - ports:
                      - port: "80"
                        protocol: TCP
                      rules:
                        http:
                        - method: HEAD
                """);
        Result r = harness.assertSplitInvariant(List.of(
                request(LANDING.replace("Content-Length: 5", "Expect: 100-continue\r\nContent-Length: 5") + head),
                reply("HTTP/1.1 100 Continue\r\n\r\n" + OK + "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n")));
        assertEquals(2, r.rawEvents().stream().filter(e -> e.type().name().equals("REPLY")).count(), r.events().toString());
        assertFalse(r.failed(), r.failure());
    }

    @ParameterizedTest(name = "refused: {0}")
    @ValueSource(strings = {
            "POST /v1/request-landing HTTP/1.1\r\nHost: d\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST /v1/request-landing HTTP/1.1\r\nHost: d\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
            "POST /v1/request-landing HTTP/1.1\r\nHost: d\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabc",
            "POST /v1/request-landing HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "POST /v1/request-landing HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST /v1/request-landing HTTP/1.1\r\nHost: d\r\nContent-Length: +3\r\n\r\nabc",
            "POST /v1/request-landing HTTP/1.1\r\nHost: d\r\nContent-Length : 3\r\n\r\nabc",
            "POST /v1/request-landing HTTP/1.1\r\nHost: d\r\n Content-Length: 3\r\n\r\nabc",
            "POST /v1/request-landing HTTP/1.1\nHost: d\r\n\r\n",
            "POST /v1/request-landing HTTP/1.1\r\nHost: d\r\nHost: e\r\n\r\n",
            "POST /v1/request-landing HTTP/1.1\r\n\r\n",
            "POST /v1/request-landing/../admin HTTP/1.1\r\nHost: d\r\n\r\n",
            "POST /v1/request-landing%2f..%2fadmin HTTP/1.1\r\nHost: d\r\n\r\n",
            "POST /v1/request-landing HTTP/2.0\r\nHost: d\r\n\r\n",
            "POST /v1/request-landing HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "POST /v1/request-landing HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY0\r\n\r\n",
            "CONNECT deathstar:443 HTTP/1.1\r\nHost: deathstar:443\r\n\r\n",
            "POST /v1/request-landing HTTP/1.1\r\nHost: d\u0000\r\n\r\n",
    })
    void ambiguousOrMalformedRequestsAreRefusedAndNeverForwarded(String input) {
        Result r = harness.assertSplitInvariant(List.of(request(input)));
        assertEquals(ErrorKind.MALFORMED, r.failureKind(), r.failure());
        assertTrue(r.toServerText().isEmpty() || !r.toServerText().contains("Content-Length: 3\r\nTrans"),
                "forwarded: " + r.toServerText());
        if (!input.contains("chunked\r\n\r\n3\r\nabcXY") && !input.contains("chunked\r\n\r\nzz")) {
            assertEquals("", r.toServerText(), "nothing of a refused request reaches the server");
        }
    }

    @Test
    void anOversizedHeadIsRefusedAtTheLimit() {
        String big = "GET /v1/request-landing HTTP/1.1\r\nHost: d\r\nX-Big: " + "a".repeat(HttpParser.MAX_HEAD) + "\r\n\r\n";
        Result r = harness.run(List.of(request(big)));
        assertEquals(ErrorKind.LIMIT, r.failureKind(), r.failure());
        assertEquals("", r.toServerText());
    }

    @Test
    void anUpgradeToAnotherProtocolClosesTheConnection() {
        String upgrade = "POST /v1/request-landing HTTP/1.1\r\nHost: d\r\nUpgrade: websocket\r\nConnection: upgrade\r\nContent-Length: 0\r\n\r\n";
        Result r = harness.run(List.of(request(upgrade), reply("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nraw")));
        assertEquals(ErrorKind.MALFORMED, r.failureKind(), r.failure());
        assertEquals("", r.toClientText());
    }
}
