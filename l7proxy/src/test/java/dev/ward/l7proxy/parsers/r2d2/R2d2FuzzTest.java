package dev.ward.l7proxy.parsers.r2d2;

import dev.ward.l7proxy.proxy.ParserFuzzer;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

class R2d2FuzzTest {
    @Test
    void randomAndMutatedInputNeverPassesUnparsedOrDeniedRequests() {
        List<byte[]> seeds = List.of("READ /public/plans\r\n", "READ /secret\r\n", "WRITE /public/x\r\n", "HALT\r\n", "RESET\r\n")
                .stream().map(s -> s.getBytes(StandardCharsets.US_ASCII)).toList();
        int forwarded = new ParserFuzzer(new R2d2ParserFactory(), R2d2ParserTest.lookup(), Direction.INGRESS,
                "10.1.0.1", "10.1.0.9", 4242).run(seeds, 5000, 11);
        assertTrue(forwarded > 500, "the fuzz reached the allowed path " + forwarded + " times");
    }
}
