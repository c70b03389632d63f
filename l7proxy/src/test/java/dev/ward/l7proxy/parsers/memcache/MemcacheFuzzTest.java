package dev.ward.l7proxy.parsers.memcache;

import dev.ward.l7proxy.proxy.ParserFuzzer;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

class MemcacheFuzzTest {
    static List<byte[]> text() {
        List<byte[]> out = new ArrayList<>();
        for (String s : List.of("set alliance/fleet/x 0 0 5\r\nhello\r\n", "get alliance/fleet/x alliance/fleet/y\r\n",
                "set alliance/bases/hoth 0 0 3\r\nabc\r\n", "delete alliance/fleet/x noreply\r\n", "get empire/plans\r\n",
                "incr alliance/fleet/n 1\r\n", "stats\r\n")) {
            out.add(s.getBytes(StandardCharsets.US_ASCII));
        }
        return out;
    }

    static List<byte[]> binary() {
        return List.of(
                MemcacheParserTest.binaryRequest(0x01, "alliance/fleet/x", new byte[8], "value".getBytes(), 1),
                MemcacheParserTest.binaryRequest(0x00, "alliance/fleet/x", new byte[0], new byte[0], 2),
                MemcacheParserTest.binaryRequest(0x09, "empire/plans", new byte[0], new byte[0], 3),
                MemcacheParserTest.binaryRequest(0x0a, "", new byte[0], new byte[0], 4));
    }

    @Test
    void textNeverPassesUnparsedOrDeniedCommands() {
        int forwarded = new ParserFuzzer(new MemcacheParserFactory(), MemcacheParserTest.LOOKUP, Direction.INGRESS,
                MemcacheParserTest.MAINTENANCE, MemcacheParserTest.MEMCACHED, 11211).run(text(), 5000, 13);
        assertTrue(forwarded > 500, "the fuzz reached the allowed path " + forwarded + " times");
    }

    @Test
    void binaryNeverPassesUnparsedOrDeniedCommands() {
        int forwarded = new ParserFuzzer(new MemcacheParserFactory(), MemcacheParserTest.LOOKUP, Direction.INGRESS,
                MemcacheParserTest.MAINTENANCE, MemcacheParserTest.MEMCACHED, 11211).run(binary(), 5000, 14);
        assertTrue(forwarded > 500, "the fuzz reached the allowed path " + forwarded + " times");
    }
}
