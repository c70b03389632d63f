package dev.ward.bpf.maps;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PortPrefixTest {
    /** The prefixes tile the range exactly: in order, adjacent, aligned, nothing outside. */
    private static void assertTiles(int low, int high) {
        List<PortPrefix> ps = PortPrefix.cover(low, high);
        assertEquals(low, ps.getFirst().low(), "starts at " + low);
        assertEquals(high, ps.getLast().high(), "ends at " + high);
        for (int i = 1; i < ps.size(); i++) assertEquals(ps.get(i - 1).high() + 1, ps.get(i).low(), low + "-" + high + ": gap or overlap");
        assertTrue(ps.size() <= 30, low + "-" + high + " needs " + ps.size() + " prefixes");
        // Greedy is minimal: no two neighbours could merge into one aligned block.
        for (int i = 1; i < ps.size(); i++) {
            PortPrefix a = ps.get(i - 1);
            PortPrefix b = ps.get(i);
            boolean mergeable = a.length() == b.length() && a.length() > 0 && (a.value() >> (17 - a.length())) == (b.value() >> (17 - a.length()))
                    && ((a.value() >> (16 - a.length())) & 1) == 0;
            assertTrue(!mergeable, low + "-" + high + ": " + a + " and " + b + " form one block");
        }
    }

    @Test
    void knownRanges() {
        assertEquals(List.of(new PortPrefix(0, 0)), PortPrefix.cover(0, 65535));
        assertEquals(List.of(new PortPrefix(80, 16)), PortPrefix.cover(80, 80));
        assertEquals(30, PortPrefix.cover(1, 65534).size());
        assertEquals(List.of(new PortPrefix(1024, 6), new PortPrefix(2048, 5), new PortPrefix(4096, 4), new PortPrefix(8192, 3),
                new PortPrefix(16384, 2), new PortPrefix(32768, 1)), PortPrefix.cover(1024, 65535));
        assertEquals(List.of(new PortPrefix(8080, 13), new PortPrefix(8088, 16)), PortPrefix.cover(8080, 8088));
    }

    @Test
    void everySmallRangeAndRandomLargeOnesTileExactly() {
        for (int low = 0; low < 300; low++) for (int high = low; high < 300; high++) assertTiles(low, high);
        for (int low = 65200; low <= 65535; low++) assertTiles(low, 65535);
        Random r = new Random(7);
        for (int i = 0; i < 20000; i++) {
            int a = r.nextInt(65536);
            int b = r.nextInt(65536);
            assertTiles(Math.min(a, b), Math.max(a, b));
        }
    }

    @Test
    void badRangesAndPrefixesAreRefusedWithTheirValues() {
        assertEquals("invalid port range 10-9", assertThrows(IllegalArgumentException.class, () -> PortPrefix.cover(10, 9)).getMessage());
        assertEquals("port prefix 81/15 has bits set below its length",
                assertThrows(IllegalArgumentException.class, () -> new PortPrefix(81, 15)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> PortPrefix.cover(0, 65536));
    }
}
