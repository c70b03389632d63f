package dev.ward.xfrm;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class XfrmErrorCountersTest {
    private static final String SAMPLE = """
            XfrmInError             \t0
            XfrmInNoStates          \t12
            XfrmInStateProtoError   \t3
            XfrmOutPolBlock         \t7
            XfrmInIptfsError        \t1
            """;

    @Test
    void knownCountersAreTypedAndNewOnesKept() {
        XfrmErrorCounters c = XfrmErrorCounters.parse(SAMPLE);
        assertEquals(12, c.get(XfrmCounter.XfrmInNoStates));
        assertEquals(3, c.get(XfrmCounter.XfrmInStateProtoError));
        assertEquals(7, c.get(XfrmCounter.XfrmOutPolBlock));
        assertEquals(0, c.get(XfrmCounter.XfrmAcquireError));
        assertEquals(Map.of("XfrmInIptfsError", 1L), c.others());
        assertEquals(23, c.total());
    }

    @Test
    void increaseListsOnlyRisenCounters() {
        XfrmErrorCounters before = XfrmErrorCounters.parse(SAMPLE);
        XfrmErrorCounters after = XfrmErrorCounters.parse(SAMPLE.replace("\t12", "\t15").replace("\t1\n", "\t4\n"));
        assertEquals(Map.of("XfrmInNoStates", 3L, "XfrmInIptfsError", 3L), after.increaseSince(before));
    }

    @Test
    void theRunningKernelsFileParses() throws Exception {
        String text = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/net/xfrm_stat"));
        XfrmErrorCounters c = XfrmErrorCounters.parse(text);
        assertEquals(text.strip().lines().count(), c.known().size() + c.others().size());
    }

    @Test
    void malformedLinesAreRejectedWithTheLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> XfrmErrorCounters.parse("XfrmInError 1 2\n"));
        assertEquals("xfrm_stat line 1 is not 'name value': XfrmInError 1 2", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> XfrmErrorCounters.parse("XfrmInError x\n"));
    }
}
