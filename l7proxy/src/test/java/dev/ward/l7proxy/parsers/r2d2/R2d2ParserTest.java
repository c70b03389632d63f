package dev.ward.l7proxy.parsers.r2d2;

import dev.ward.l7proxy.access.L7ProxyMetrics.ErrorKind;
import dev.ward.l7proxy.parser.Side;
import dev.ward.l7proxy.proxy.ParserHarness;
import dev.ward.l7proxy.proxy.ParserHarness.Result;
import dev.ward.l7proxy.testing.EngineRedirectLookup;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.ward.l7proxy.proxy.ParserHarness.end;
import static dev.ward.l7proxy.proxy.ParserHarness.reply;
import static dev.ward.l7proxy.proxy.ParserHarness.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class R2d2ParserTest {
    static final String POLICY = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: r2d2-control
            spec:
              endpointSelector:
                matchLabels:
                  app: r2d2
              ingress:
              - fromEndpoints:
                - matchLabels:
                    app: rebel
                toPorts:
                - ports:
                  - port: "4242"
                    protocol: TCP
                  rules:
                    l7proto: r2d2
                    l7:
                    - cmd: READ
                      file: "/public/.*"
                    - cmd: HALT
            """;

    static EngineRedirectLookup lookup() {
        EngineRedirectLookup l = EngineRedirectLookup.withPolicies(POLICY);
        l.pod("10.1.0.1", "app=rebel", false);
        l.pod("10.1.0.9", "app=r2d2", true);
        return l;
    }

    private final ParserHarness harness = new ParserHarness(new R2d2ParserFactory(), lookup(), Direction.INGRESS,
            "10.1.0.1", "10.1.0.9", 4242);

    @Test
    void allowedRequestsPassDeniedOnesAreAnsweredErrorAndDropped() {
        Result r = harness.assertSplitInvariant(List.of(
                request("READ /public/plans\r\nREAD /secret/plans\r\n"),
                reply("OK deathstar\r\n"),
                request("WRITE /public/x\r\nHALT\r\n"),
                reply("OK halted\r\n")));
        assertEquals("READ /public/plans\r\nHALT\r\n", r.toServerText());
        assertEquals("ERROR\r\nOK deathstar\r\nERROR\r\nOK halted\r\n", r.toClientText());
        assertEquals(List.of(
                "REQUEST FORWARDED {cmd=READ, file=/public/plans} CiliumNetworkPolicy/default/r2d2-control spec.ingress[0]",
                "REQUEST DENIED {cmd=READ, file=/secret/plans}",
                "REQUEST DENIED {cmd=WRITE, file=/public/x}",
                "REQUEST FORWARDED {cmd=HALT, file=} CiliumNetworkPolicy/default/r2d2-control spec.ingress[0]"), r.events());
        assertTrue(!r.failed(), r.failure());
    }

    @Test
    void anUnknownCommandClosesTheConnectionWithoutPassingIt() {
        Result r = harness.assertSplitInvariant(List.of(request("READ /public/a\r\nFLY away\r\nHALT\r\n")));
        assertEquals("READ /public/a\r\n", r.toServerText());
        assertEquals(ErrorKind.MALFORMED, r.failureKind());
        assertTrue(r.failure().contains("unknown r2d2 command 'FLY'"), r.failure());
    }

    @Test
    void aLineWithoutAnEndIsRefusedAtTheLimit() {
        Result r = harness.run(List.of(request("READ /public/" + "a".repeat(5000))));
        assertEquals("", r.toServerText());
        assertEquals(ErrorKind.LIMIT, r.failureKind(), r.failure());
    }

    @Test
    void aStreamEndingInsideALineIsRefused() {
        Result r = harness.run(List.of(request("READ /public/a\r\nREAD /pub"), end(Side.REQUEST)));
        assertEquals("READ /public/a\r\n", r.toServerText());
        assertEquals(ErrorKind.MALFORMED, r.failureKind(), r.failure());
    }
}
