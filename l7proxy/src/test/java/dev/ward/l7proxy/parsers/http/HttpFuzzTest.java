package dev.ward.l7proxy.parsers.http;

import dev.ward.l7proxy.proxy.ParserFuzzer;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpFuzzTest {
    @Test
    void randomAndMutatedInputNeverPassesUnparsedOrDeniedRequests() {
        List<byte[]> seeds = List.of(
                HttpParserTest.LANDING,
                "GET /v1/request-landing HTTP/1.1\r\nHost: d\r\n\r\n",
                "POST /v1/request-landing HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n",
                "PUT /v1/exhaust-port HTTP/1.1\r\nHost: d\r\nContent-Length: 3\r\n\r\nabc",
                "POST /v1/request-landing HTTP/1.1\r\nHost: d\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")
                .stream().map(s -> s.getBytes(StandardCharsets.ISO_8859_1)).toList();
        int forwarded = new ParserFuzzer(new HttpParserFactory(), HttpParserTest.lookup(), Direction.INGRESS,
                HttpParserTest.TIEFIGHTER, HttpParserTest.DEATHSTAR, 80).run(seeds, 5000, 12);
        assertTrue(forwarded > 500, "the fuzz reached the allowed path " + forwarded + " times");
    }
}
