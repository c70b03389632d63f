package dev.ward.agent.encryption.kernel;

import dev.ward.agent.encryption.Cidr;
import dev.ward.agent.encryption.DataplanePolicy;
import dev.ward.agent.encryption.EspCipher;
import dev.ward.agent.encryption.EspKey;
import dev.ward.agent.encryption.KernelSa;
import dev.ward.agent.encryption.IpLiterals;
import dev.ward.agent.encryption.TrafficDirection;
import dev.ward.agent.encryption.Spi;
import dev.ward.agent.encryption.TunnelEndpoints;
import dev.ward.netlink.IpPrefix;
import dev.ward.xfrm.EspAlgorithm;
import dev.ward.xfrm.Lifetime;
import dev.ward.xfrm.Mark;
import dev.ward.xfrm.OffloadRequest;
import dev.ward.xfrm.PolicyTemplate;
import dev.ward.xfrm.ReplayProtection;
import dev.ward.xfrm.SecurityAssociation;
import dev.ward.xfrm.Selector;
import dev.ward.xfrm.TemplateLevel;
import dev.ward.xfrm.XfrmMode;
import dev.ward.xfrm.XfrmPolicy;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class XfrmMappingTest {
    private static final InetAddress LOCAL = IpLiterals.parse("192.0.2.1");
    private static final InetAddress PEER = IpLiterals.parse("192.0.2.2");
    private static final Cidr MINE = Cidr.parse("10.244.1.0/24");
    private static final Cidr THEIRS = Cidr.parse("10.244.2.0/24");
    private static final Cidr CLUSTER = Cidr.parse("10.244.0.0/16");

    static KernelSa sa(EspCipher cipher, long spi) {
        byte[] material = new byte[cipher.keyMaterialBytes()];
        for (int i = 0; i < material.length; i++) material[i] = (byte) (i * 13 + spi);
        return new KernelSa(new Spi(spi), LOCAL, PEER, new EspKey(cipher, material));
    }

    @Test
    void saBecomesAnEspTunnelWithWardsReqidEsnAndLifetimes() {
        KernelSa sa = sa(EspCipher.AES_256_GCM, 0x8000_0001L);
        SecurityAssociation k = XfrmMapping.toKernel(sa, SaParameters.DEFAULT, null);
        assertEquals(LOCAL, k.source());
        assertEquals(PEER, k.destination());
        assertEquals(0x8000_0001, k.spi(), "SPIs above 2^31 survive the signed int");
        assertEquals(XfrmMode.TUNNEL, k.mode());
        assertEquals(XfrmMapping.REQID, k.reqid());
        assertEquals(ReplayProtection.esn(1024), k.replay());
        EspAlgorithm.Aead aead = (EspAlgorithm.Aead) k.algorithm();
        assertEquals("rfc4106(gcm(aes))", aead.name());
        assertEquals(128, aead.icvBits());
        assertArrayEquals(sa.key().material(), aead.key(), "AES key followed by the salt, as the core derived it");
        Lifetime l = k.lifetime();
        assertEquals(1L << 30, l.softPackets());
        assertTrue(l.hardPackets() > l.softPackets() && l.hardBytes() > l.softBytes());
        assertEquals(Lifetime.NONE, Lifetime.UNLIMITED.softBytes());
        assertEquals(0, l.softAddSeconds(), "no time limit: scheduled rotation bounds an SA's age");
        assertEquals(null, k.mark(), "a mark would limit the SA to marked packets");
    }

    @Test
    void kernelSaReadsBackAsTheSameCoreSaForBothKeySizes() {
        for (EspCipher cipher : EspCipher.values()) {
            KernelSa sa = sa(cipher, 4096);
            SecurityAssociation k = XfrmMapping.toKernel(sa, SaParameters.DEFAULT.withSoftPackets(3), new OffloadRequest(7, false));
            assertEquals(Optional.of(sa), XfrmMapping.fromKernel(k), cipher.name());
        }
    }

    @Test
    void sasWithoutWardsMarkOrShapeAreNotWards() {
        SecurityAssociation mine = XfrmMapping.toKernel(sa(EspCipher.AES_128_GCM, 4096), SaParameters.DEFAULT, null);
        assertEquals(Optional.empty(), XfrmMapping.fromKernel(mine.toBuilder().reqid(1).build()), "another reqid: an IKE daemon's");
        assertEquals(Optional.empty(), XfrmMapping.fromKernel(mine.toBuilder().mode(XfrmMode.TRANSPORT).build()));
        assertEquals(Optional.empty(), XfrmMapping.fromKernel(mine.toBuilder().mark(Mark.of(1)).build()));
        SecurityAssociation cbc = SecurityAssociation.esp(LOCAL, PEER, 4096,
                EspAlgorithm.aesCbcHmacSha256(new byte[16], new byte[32])).reqid(XfrmMapping.REQID).build();
        assertTrue(XfrmMapping.isWards(cbc));
        assertEquals(Optional.empty(), XfrmMapping.fromKernel(cbc), "Ward's number, not Ward's shape");
        SecurityAssociation oddKey = SecurityAssociation.esp(LOCAL, PEER, 4096, EspAlgorithm.aesGcm(new byte[28]))
                .reqid(XfrmMapping.REQID).build();
        assertEquals(Optional.empty(), XfrmMapping.fromKernel(oddKey), "AES-192 is not a cipher Ward uses");
    }

    static List<DataplanePolicy> everyKindOfPolicy() {
        TunnelEndpoints tunnel = new TunnelEndpoints(LOCAL, PEER);
        return List.of(
                new DataplanePolicy.Encrypt(MINE, THEIRS, tunnel, new Spi(0xfffffff0L)),
                new DataplanePolicy.RequireEsp(TrafficDirection.IN, THEIRS, MINE, PEER, LOCAL),
                new DataplanePolicy.RequireEsp(TrafficDirection.FWD, THEIRS, MINE, PEER, LOCAL),
                new DataplanePolicy.Bypass(TrafficDirection.FWD, MINE, MINE),
                new DataplanePolicy.Block(TrafficDirection.OUT, MINE, CLUSTER),
                new DataplanePolicy.Block(TrafficDirection.IN, CLUSTER, MINE));
    }

    @Test
    void everyPolicyKindRoundTrips() {
        for (DataplanePolicy p : everyKindOfPolicy()) {
            assertEquals(Optional.of(p), XfrmMapping.fromKernel(XfrmMapping.toKernel(p)), p.toString());
        }
    }

    @Test
    void policiesKeepTheCoresOrderInWardsBand() {
        List<DataplanePolicy> all = everyKindOfPolicy();
        XfrmPolicy encrypt = XfrmMapping.toKernel(all.get(0));
        XfrmPolicy bypass = XfrmMapping.toKernel(all.get(3));
        XfrmPolicy block = XfrmMapping.toKernel(all.get(4));
        assertTrue(bypass.priority() < encrypt.priority() && encrypt.priority() < block.priority());
        assertEquals(XfrmMapping.PRIORITY_BAND + DataplanePolicy.BLOCK_PRIORITY, block.priority());
        PolicyTemplate t = encrypt.templates().getFirst();
        assertEquals(List.of(LOCAL, PEER, 0xfffffff0, XfrmMapping.REQID, TemplateLevel.REQUIRED, XfrmMode.TUNNEL),
                List.of(t.source(), t.destination(), t.spi(), t.reqid(), t.level(), t.mode()));
        PolicyTemplate in = XfrmMapping.toKernel(all.get(1)).templates().getFirst();
        assertEquals(List.of(PEER, LOCAL, 0), List.of(in.source(), in.destination(), in.spi()), "any SPI from that peer, ESP required");
        assertEquals(dev.ward.xfrm.PolicyAction.BLOCK, block.action());
        assertTrue(bypass.templates().isEmpty());
    }

    @Test
    void foreignPoliciesAreNotWards() {
        Selector sel = Selector.between(IpPrefix.parse("10.244.1.0/24"), IpPrefix.parse("10.244.2.0/24"));
        int peer = XfrmMapping.PRIORITY_BAND + DataplanePolicy.PEER_PRIORITY;
        List<XfrmPolicy> foreign = List.of(
                XfrmPolicy.block(sel, dev.ward.xfrm.PolicyDirection.OUT, 0),
                XfrmPolicy.allow(sel, dev.ward.xfrm.PolicyDirection.OUT, XfrmMapping.PRIORITY_BAND + DataplanePolicy.BLOCK_PRIORITY),
                XfrmPolicy.allow(sel, dev.ward.xfrm.PolicyDirection.OUT, peer, PolicyTemplate.tunnel(LOCAL, PEER, 7, TemplateLevel.REQUIRED)),
                XfrmPolicy.allow(sel, dev.ward.xfrm.PolicyDirection.IN, peer, PolicyTemplate.tunnel(PEER, LOCAL, XfrmMapping.REQID, TemplateLevel.USE)),
                XfrmPolicy.allow(sel, dev.ward.xfrm.PolicyDirection.OUT, peer, PolicyTemplate.transport(XfrmMapping.REQID, TemplateLevel.REQUIRED)),
                XfrmMapping.toKernel(everyKindOfPolicy().get(4)).withMark(Mark.of(5)),
                XfrmPolicy.block(Selector.between(IpPrefix.parse("10.244.1.7/24"), IpPrefix.parse("10.244.0.0/16")),
                        dev.ward.xfrm.PolicyDirection.OUT, XfrmMapping.PRIORITY_BAND + DataplanePolicy.BLOCK_PRIORITY));
        for (XfrmPolicy p : foreign) {
            assertEquals(Optional.empty(), XfrmMapping.fromKernel(p), p.toString());
        }
    }

    @Test
    void parametersRejectLimitsThatNeverWarnBeforeTheEnd() {
        assertThrows(IllegalArgumentException.class, () -> new SaParameters(10, 10, 1, 2, 64));
        assertThrows(IllegalArgumentException.class, () -> new SaParameters(1, 2, 5, 4, 64));
        assertThrows(IllegalArgumentException.class, () -> new SaParameters(1, 2, 1, 2, 0));
        assertEquals(3, SaParameters.DEFAULT.withSoftPackets(3).softPackets());
    }
}
