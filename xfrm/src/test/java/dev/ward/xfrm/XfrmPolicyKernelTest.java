package dev.ward.xfrm;

import dev.ward.testbed.IpCommand;
import dev.ward.netlink.IpPrefix;
import dev.ward.netlink.NetworkNamespace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Policies on the running kernel (the host has xfrm netlink even without ESP), in a namespace of the test's
 * own, read back through {@code ip xfrm policy} and the reverse.
 */
class XfrmPolicyKernelTest {
    private static final String NS = "wx-xpol";
    private XfrmClient xfrm;

    @BeforeEach
    void open() {
        NetworkNamespace.create(NS);
        xfrm = XfrmClient.open(NS);
    }

    @AfterEach
    void close() {
        xfrm.close();
        NetworkNamespace.delete(NS);
    }

    private static Set<XfrmPolicy> set(List<XfrmPolicy> l) {
        return new HashSet<>(l);
    }

    @Test
    void everyKindOfPolicyReadsBackThroughIpFieldForField() {
        for (XfrmPolicy p : Samples.everyKindOfPolicy()) xfrm.add(p);
        assertEquals(set(Samples.everyKindOfPolicy()), set(IpXfrmReader.policies(NS)));
        assertEquals(set(Samples.everyKindOfPolicy()), set(xfrm.policies().stream().map(InstalledPolicy::policy).toList()));
    }

    @Test
    void policiesInstalledByIpAreParsedByWardsDump() {
        IpCommand.run("-n", NS, "xfrm", "policy", "add", "src", "10.91.1.0/24", "dst", "10.91.2.0/24", "dir", "out",
                "priority", "100", "tmpl", "src", "10.90.0.1", "dst", "10.90.0.2", "proto", "esp", "reqid", "1", "mode", "tunnel");
        IpCommand.run("-n", NS, "xfrm", "policy", "add", "src", "10.91.1.5/32", "dst", "10.91.2.0/24", "proto", "tcp",
                "dport", "8443", "dir", "in", "priority", "50", "tmpl", "proto", "esp", "reqid", "7", "mode", "transport", "level", "use");
        IpCommand.run("-n", NS, "xfrm", "policy", "add", "src", "10.91.1.0/24", "dst", "10.91.2.7/32", "proto", "udp",
                "sport", "5353", "dport", "53", "dir", "fwd", "priority", "10", "action", "block");
        IpCommand.run("-n", NS, "xfrm", "policy", "add", "src", "10.91.1.0/24", "dst", "10.91.2.0/24", "dir", "out",
                "priority", "200", "mark", "0xe00", "mask", "0xf00", "if_id", "42", "tmpl", "src", "10.90.0.1", "dst", "10.90.0.2",
                "proto", "esp", "spi", "0x2000", "reqid", "9", "mode", "tunnel");
        IpCommand.run("-n", NS, "xfrm", "policy", "add", "src", "fd91::/64", "dst", "fd92::/64", "dir", "out", "priority", "5");
        List<XfrmPolicy> fromIp = IpXfrmReader.policies(NS);
        assertEquals(5, fromIp.size());
        assertEquals(set(fromIp), set(xfrm.policies().stream().map(InstalledPolicy::policy).toList()));
        XfrmPolicy marked = fromIp.stream().filter(p -> p.mark() != null).findFirst().orElseThrow();
        assertEquals(new Mark(0xe00, 0xf00), marked.mark());
        assertEquals(42, marked.ifId());
        assertEquals(0x2000, marked.templates().getFirst().spi());
    }

    @Test
    void getUpdateDeleteAndFlush() {
        XfrmPolicy p = Samples.everyKindOfPolicy().get(5);
        xfrm.add(p);
        InstalledPolicy got = xfrm.get(p.key());
        assertEquals(p, got.policy());
        assertTrue(got.index() != 0, "the kernel assigns an index");
        XfrmPolicy changed = p.withPriority(7);
        xfrm.update(changed);
        assertEquals(changed, xfrm.get(p.key()).policy());
        assertEquals(List.of(changed), IpXfrmReader.policies(NS));
        xfrm.delete(p.key());
        assertEquals(List.of(), xfrm.policies());
        XfrmNotFoundException gone = assertThrows(XfrmNotFoundException.class, () -> xfrm.get(p.key()));
        assertTrue(gone.getMessage().startsWith(p.describe() + ": "), gone.getMessage());
        for (XfrmPolicy q : Samples.everyKindOfPolicy()) xfrm.add(q);
        xfrm.flushPolicies();
        assertEquals(List.of(), xfrm.policies());
        assertEquals("", IpCommand.run("-n", NS, "xfrm", "policy").strip());
    }

    @Test
    void duplicatePolicyIsNamed() {
        XfrmPolicy p = Samples.everyKindOfPolicy().getFirst();
        xfrm.add(p);
        DuplicatePolicyException e = assertThrows(DuplicatePolicyException.class, () -> xfrm.add(p.withPriority(1)));
        assertEquals("policy out 10.91.1.0/24->10.91.2.0/24: File exists (EEXIST); "
                + "a policy with this selector, direction and mark is already installed", e.getMessage());
        assertEquals(100, xfrm.get(p.key()).policy().priority(), "the installed policy is untouched");
    }

    @Test
    void batchWithSomeDuplicatesReportsExactlyThoseAndInstallsTheRest() {
        List<XfrmPolicy> batch = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            batch.add(XfrmPolicy.allow(Selector.between(IpPrefix.parse("10.92." + (i / 250) + "." + (i % 250) + "/32"),
                    IpPrefix.parse("10.93.0.0/16")), PolicyDirection.OUT, 100));
        }
        // Pre-install three of them with ip so the batch collides with state it did not create.
        for (int i : new int[] {0, 777, 1999}) {
            IpCommand.run("-n", NS, "xfrm", "policy", "add", "src", batch.get(i).selector().source().toString(),
                    "dst", "10.93.0.0/16", "dir", "out", "priority", "5");
        }
        XfrmBatchResult<XfrmPolicy> r = xfrm.addAllPolicies(batch);
        assertEquals(List.of(0, 777, 1999), r.failures().stream().map(XfrmBatchResult.Failure::index).toList());
        r.failures().forEach(f -> assertTrue(f.error() instanceof DuplicatePolicyException, f.error().getMessage()));
        assertEquals(1997, r.succeeded());
        List<InstalledPolicy> all = xfrm.policies();
        assertEquals(2000, all.size());
        assertEquals(3, all.stream().filter(p -> p.policy().priority() == 5).count(), "ip's three stay as ip set them");

        XfrmBatchResult<PolicyKey> del = xfrm.deleteAllPolicies(batch.subList(0, 1000).stream().map(XfrmPolicy::key).toList());
        assertTrue(del.allSucceeded(), () -> del.failures().toString());
        assertEquals(1000, xfrm.policies().size());
        XfrmBatchResult<PolicyKey> again = xfrm.deleteAllPolicies(batch.subList(998, 1002).stream().map(XfrmPolicy::key).toList());
        assertEquals(List.of(0, 1), again.failures().stream().map(XfrmBatchResult.Failure::index).toList());
        assertTrue(again.failures().getFirst().error() instanceof XfrmNotFoundException);
    }
}
