package dev.ward.lab;

import dev.ward.netlink.NetworkNamespace;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Needs ESP: run by {@link LabEspKernelTest} on the host or in a guest. */
public class XfrmSelfCheckEspCase {
    @Test
    void everyCheckPassesAndTheNamespacesAreRemoved() {
        SelfCheckReport r = new XfrmSelfCheck("wx-lab").run();
        StringBuilder text = new StringBuilder();
        r.checks().forEach(c -> text.append(c.passed() ? "PASS " : "FAIL ").append(c.name()).append(": ").append(c.evidence()).append('\n'));
        assertTrue(r.passed(), text.toString());
        assertEquals(List.of("namespaces wired", "Ward installed ESP SAs and policies", "UDP crossed both ways",
                "the wire carried ESP, not plaintext", "SA counters moved", "no xfrm errors", "a wrong key is rejected and counted"),
                r.checks().stream().map(SelfCheckReport.Check::name).toList());
        assertFalse(NetworkNamespace.exists("wx-lab-a") || NetworkNamespace.exists("wx-lab-b"));
    }
}
