package dev.ward.xfrm;

import dev.ward.netlink.NetworkNamespace;
import dev.ward.netlink.route.RouteNetlink;
import dev.ward.testbed.IpCommand;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SAs on a kernel with ESP. Named *EspCase so Surefire does not run it on a host without ESP; {@link
 * EspKernelTest} runs it on the host or in a user-mode Linux guest and reports each test.
 */
public class XfrmStateEspCase {
    private static final String NS = "wx-xsa";
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

    private static Set<SecurityAssociation> ipView() {
        Set<SecurityAssociation> out = new HashSet<>();
        for (IpXfrmReader.IpSa s : IpXfrmReader.states(NS)) out.add(s.sa());
        return out;
    }

    private Set<SecurityAssociation> wardView() {
        Set<SecurityAssociation> out = new HashSet<>();
        for (InstalledSa s : xfrm.states()) out.add(s.association());
        return out;
    }

    @Test
    void everyKindOfSaReadsBackThroughIpFieldForField() {
        for (SecurityAssociation sa : Samples.everyKindOfSa()) xfrm.add(sa);
        Set<SecurityAssociation> expected = new HashSet<>(Samples.everyKindOfSa());
        assertEquals(expected, ipView());
        assertEquals(expected, wardView());
    }

    @Test
    void sasInstalledByIpAreParsedByWardsDump() {
        String k20 = "0x0102030405060708090a0b0c0d0e0f1011121314";
        String add = "xfrm state add src 10.90.0.1 dst 10.90.0.2 proto esp ";
        String[] lines = {
                "spi 0x2000 reqid 1 mode tunnel aead rfc4106(gcm(aes)) " + k20 + " 128",
                "spi 0x2001 mode transport enc cbc(aes) 0x0102030405060708090a0b0c0d0e0f10 auth-trunc hmac(sha256) "
                        + "0x0102030405060708090a0b0c0d0e0f100102030405060708090a0b0c0d0e0f10 128 sel src 10.90.0.1/32 dst 10.90.0.2/32 proto tcp dport 443",
                "spi 0x2002 reqid 4 mode tunnel replay-window 128 flag esn aead rfc4106(gcm(aes)) " + k20 + " 128",
                "spi 0x2003 mode tunnel replay-window 32 aead rfc4106(gcm(aes)) " + k20 + " 128",
                "spi 0x2004 mode tunnel mark 0xe00 mask 0xf00 output-mark 0xd00 mask 0xf00 aead rfc4106(gcm(aes)) " + k20 + " 128",
                "spi 0x2005 mode tunnel if_id 42 aead rfc4106(gcm(aes)) " + k20 + " 128",
                "spi 0x2006 mode tunnel aead rfc4106(gcm(aes)) " + k20 + " 128 limit byte-soft 1000000 limit byte-hard 2000000 "
                        + "limit packet-soft 1000 limit packet-hard 2000 limit time-soft 3600 limit time-hard 7200"};
        for (String l : lines) {
            List<String> args = new ArrayList<>(List.of("-n", NS));
            args.addAll(List.of((add + l).split(" ")));
            IpCommand.run(args.toArray(String[]::new));
        }
        Set<SecurityAssociation> fromIp = ipView();
        assertEquals(lines.length, fromIp.size());
        assertEquals(fromIp, wardView());
        InstalledSa esn = xfrm.get(new SaId(Samples.ip("10.90.0.2"), 0x2002, null));
        assertEquals(ReplayProtection.esn(128), esn.association().replay());
        InstalledSa marked = xfrm.get(new SaId(Samples.ip("10.90.0.2"), 0x2004, new Mark(0xe00, 0xf00)));
        assertEquals(new Mark(0xd00, 0xf00), marked.association().outputMark());
    }

    @Test
    void getUpdateDeleteAndFlush() {
        SecurityAssociation sa = Samples.everyKindOfSa().getFirst();
        xfrm.add(sa);
        InstalledSa got = xfrm.get(sa.id());
        assertEquals(sa, got.association());
        assertTrue(got.counters().addTime() > 0, "the kernel stamps the add time");
        SecurityAssociation longer = sa.toBuilder().lifetime(Lifetime.ofSeconds(600, 900)).build();
        xfrm.update(longer);
        assertEquals(longer, xfrm.get(sa.id()).association());
        assertEquals(Set.of(longer), ipView());
        xfrm.delete(sa.id());
        XfrmNotFoundException gone = assertThrows(XfrmNotFoundException.class, () -> xfrm.get(sa.id()));
        assertEquals("SA spi 0x00001000 dst 10.90.0.2: No such process (ESRCH); not installed", gone.getMessage());
        assertThrows(XfrmNotFoundException.class, () -> xfrm.update(sa));
        for (SecurityAssociation s : Samples.everyKindOfSa()) xfrm.add(s);
        xfrm.flushStates();
        assertEquals(List.of(), xfrm.states());
        assertEquals("", IpCommand.run("-n", NS, "xfrm", "state").strip());
    }

    @Test
    void duplicateSaIsNamedAndTheInstalledOneIsUntouched() {
        SecurityAssociation sa = Samples.everyKindOfSa().get(2);
        xfrm.add(sa);
        SecurityAssociation other = sa.toBuilder().reqid(99).build();
        DuplicateSecurityAssociationException e = assertThrows(DuplicateSecurityAssociationException.class, () -> xfrm.add(other));
        assertEquals("SA spi 0x00001002 10.90.0.1->10.90.0.2: File exists (EEXIST); "
                + "an SA with this destination, SPI and mark is already installed", e.getMessage());
        assertEquals(sa, xfrm.get(sa.id()).association());
    }

    @Test
    void batchWithSomeDuplicatesReportsExactlyThoseAndInstallsTheRest() {
        List<SecurityAssociation> batch = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            batch.add(SecurityAssociation.esp(Samples.ip("10.90.0.1"), Samples.ip("10.90.0.2"), 0x10000 + i,
                    EspAlgorithm.aesGcm(Samples.key(20, i))).reqid(i).build());
        }
        for (int i : new int[] {0, 600, 1499}) {
            IpCommand.run("-n", NS, "xfrm", "state", "add", "src", "10.90.0.1", "dst", "10.90.0.2", "proto", "esp",
                    "spi", String.valueOf(0x10000 + i), "mode", "transport", "aead", "rfc4106(gcm(aes))",
                    "0x0102030405060708090a0b0c0d0e0f1011121314", "128");
        }
        XfrmBatchResult<SecurityAssociation> r = xfrm.addAll(batch);
        assertEquals(List.of(0, 600, 1499), r.failures().stream().map(XfrmBatchResult.Failure::index).toList());
        r.failures().forEach(f -> assertInstanceOf(DuplicateSecurityAssociationException.class, f.error()));
        assertEquals(1497, r.succeeded());
        List<InstalledSa> all = xfrm.states();
        assertEquals(1500, all.size());
        assertEquals(3, all.stream().filter(s -> s.association().mode() == XfrmMode.TRANSPORT).count(), "ip's three stay as ip set them");

        XfrmBatchResult<SaId> del = xfrm.deleteAll(batch.stream().map(SecurityAssociation::id).toList());
        assertTrue(del.allSucceeded(), () -> del.failures().toString());
        assertEquals(List.of(), xfrm.states());
    }

    @Test
    void offloadRequestIsAcceptedWithSoftwareFallback() {
        try (RouteNetlink rt = RouteNetlink.open(NS)) {
            rt.createVethPair("wx-off0", "wx-off1");
            int veth = rt.indexOf("wx-off0");
            SecurityAssociation sa = Samples.everyKindOfSa().getFirst().toBuilder().offload(new OffloadRequest(veth, false)).build();
            xfrm.add(sa);
            // veth has no crypto engine: the kernel keeps the SA in software and reports no offload.
            InstalledSa got = xfrm.get(sa.id());
            assertNull(got.association().offload());
            assertEquals(sa.toBuilder().offload(null).build(), got.association());
        }
        // An unknown device is not an error either (the kernel routes to find one, then falls back).
        SecurityAssociation unknownDevice = Samples.everyKindOfSa().get(1).toBuilder().offload(new OffloadRequest(9999, true)).build();
        xfrm.add(unknownDevice);
        assertNull(xfrm.get(unknownDevice.id()).association().offload());
    }

    @Test
    void softThenHardExpireArriveAsTypedEvents() {
        // Hard 4 s after soft: a guest starved past the hard limit gets only the hard expire (seen with them 1 s apart on a loaded machine).
        SecurityAssociation sa = Samples.everyKindOfSa().get(3).toBuilder().lifetime(Lifetime.ofSeconds(1, 5)).build();
        try (XfrmEventStream events = xfrm.events()) {
            xfrm.add(sa);
            XfrmEvent first = events.next(Duration.ofSeconds(20));
            XfrmEvent.SaExpired soft = assertInstanceOf(XfrmEvent.SaExpired.class, first);
            assertFalse(soft.hard());
            assertEquals(sa.id(), soft.id());
            assertEquals(sa.reqid(), soft.reqid());
            XfrmEvent.SaExpired hard = assertInstanceOf(XfrmEvent.SaExpired.class, events.next(Duration.ofSeconds(20)));
            assertTrue(hard.hard());
            assertEquals(sa.id(), hard.id());
        }
        assertThrows(XfrmNotFoundException.class, () -> xfrm.get(sa.id()), "a hard expire removes the SA");
    }

    @Test
    void outboundTrafficWithoutAnSaRaisesATypedAcquire() throws Exception {
        try (RouteNetlink rt = RouteNetlink.open(NS)) {
            rt.createVethPair("wx-acq0", "wx-acq1");
            rt.setUp("wx-acq0", true);
            rt.setUp("wx-acq1", true);
            rt.addAddress("wx-acq0", dev.ward.netlink.IpPrefix.parse("10.98.0.1/24"));
            rt.addRoute(dev.ward.netlink.route.Route.via(dev.ward.netlink.IpPrefix.parse("10.99.0.0/24"), ip("10.98.0.2"),
                    rt.indexOf("wx-acq0"), dev.ward.netlink.route.Route.MAIN_TABLE));
        }
        XfrmPolicy needsSa = XfrmPolicy.allow(Selector.between(dev.ward.netlink.IpPrefix.parse("10.98.0.0/24"),
                dev.ward.netlink.IpPrefix.parse("10.99.0.0/24")), PolicyDirection.OUT, 10,
                PolicyTemplate.tunnel(ip("10.98.0.1"), ip("10.98.0.2"), 77, TemplateLevel.REQUIRED));
        xfrm.add(needsSa);
        try (XfrmEventStream events = xfrm.events()) {
            NetworkNamespace.call(NS, () -> {
                try (var s = new java.net.DatagramSocket(new java.net.InetSocketAddress(ip("10.98.0.1"), 0))) {
                    byte[] b = "needs an SA".getBytes();
                    s.send(new java.net.DatagramPacket(b, b.length, ip("10.99.0.5"), 9));
                } catch (java.io.IOException refusedWhileNoSa) {
                    // the kernel may refuse the send until a key manager installs an SA
                }
                return null;
            });
            XfrmEvent.Acquire a = assertInstanceOf(XfrmEvent.Acquire.class, events.next(Duration.ofSeconds(20)));
            assertEquals(ip("10.99.0.5"), a.selector().destination().address());
            assertEquals(needsSa.selector(), a.policy().policy().selector());
            assertEquals(PolicyDirection.OUT, a.policy().policy().direction());
        }
    }

    @Test
    void errorCountersAreReadInTheNamespace() {
        XfrmErrorCounters c = xfrm.errorCounters();
        assertNotNull(c);
        assertTrue(c.known().containsKey(XfrmCounter.XfrmInNoStates));
        assertEquals(0, c.total(), "a fresh namespace has dropped nothing");
    }

    static InetAddress ip(String s) {
        return Samples.ip(s);
    }
}
