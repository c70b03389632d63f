package dev.ward.agent.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DataplaneDiffTest {
    private static final InetAddress LOCAL = IpLiterals.parse("192.0.2.1");
    private static final InetAddress PEER = IpLiterals.parse("192.0.2.2");
    private static final InetAddress GONE = IpLiterals.parse("192.0.2.3");
    private static final TunnelEndpoints TUNNEL = new TunnelEndpoints(LOCAL, PEER);
    private static final Cidr MINE = Cidr.parse("10.244.0.0/24");
    private static final Cidr THEIRS = Cidr.parse("10.244.1.0/24");

    @Test
    void keepsWhatIsRightRemovesWhatIsStaleAddsWhatIsMissing() {
        PeerSa inUse = sa("node-b", 1, "node-a", 1, 0x1000, PEER, LOCAL);
        PeerSa missing = sa("node-a", 1, "node-b", 1, 0x2000, LOCAL, PEER);
        KernelSa departedPeer = sa("node-c", 4, "node-a", 1, 0x3000, GONE, LOCAL).installed();
        DataplanePolicy encrypt = new DataplanePolicy.Encrypt(MINE, THEIRS, TUNNEL, new Spi(0x2000));
        DataplanePolicy block = new DataplanePolicy.Block(TrafficDirection.OUT, MINE, Cidr.parse("10.244.0.0/16"));
        DataplanePolicy departedPolicy = new DataplanePolicy.RequireEsp(TrafficDirection.FWD, Cidr.parse("10.244.2.0/24"), MINE, GONE, LOCAL);

        DataplaneDiff diff = DataplaneDiff.between(new Dataplane(Set.of(inUse, missing), Set.of(encrypt, block)),
                List.of(inUse.installed(), departedPeer), List.of(block, departedPolicy));

        assertEquals(List.of(inUse.installed()), diff.keepSas());
        assertEquals(List.of(departedPeer), diff.removeSas());
        assertEquals(List.of(missing.installed()), diff.addSas());
        assertEquals(List.of(block), diff.keepPolicies());
        assertEquals(List.of(departedPolicy), diff.removePolicies());
        assertEquals(List.of(encrypt), diff.addPolicies());
        assertTrue(diff.slotConflicts().isEmpty());
    }

    /** A stale SA in a slot that is wanted again (same destination and SPI, old key) is replaced, removed first. */
    @Test
    void aStaleKeyInAWantedSlotIsAConflictToRemoveFirst() {
        PeerSa wanted = sa("node-b", 2, "node-a", 2, 0x1000, PEER, LOCAL);
        KernelSa stale = new KernelSa(new Spi(0x1000), PEER, LOCAL,
                new EspKey(EspCipher.AES_128_GCM, new byte[20]));
        DataplaneDiff diff = DataplaneDiff.between(new Dataplane(Set.of(wanted), Set.of()), List.of(stale), List.of());
        assertEquals(List.of(stale), diff.removeSas());
        assertEquals(List.of(wanted.installed()), diff.addSas());
        assertEquals(List.of(stale), diff.slotConflicts());
    }

    /** A policy whose selector is wanted with another SPI is updated in place, never removed. */
    @Test
    void aChangedPolicyIsAnAddThatReplacesItBySelector() {
        DataplanePolicy old = new DataplanePolicy.Encrypt(MINE, THEIRS, TUNNEL, new Spi(0x1000));
        DataplanePolicy now = new DataplanePolicy.Encrypt(MINE, THEIRS, TUNNEL, new Spi(0x1001));
        DataplaneDiff diff = DataplaneDiff.between(new Dataplane(Set.of(), Set.of(now)), List.of(), List.of(old));
        assertEquals(List.of(now), diff.addPolicies());
        assertEquals(List.of(), diff.removePolicies());
        assertTrue(!diff.isEmpty());
        assertTrue(DataplaneDiff.between(new Dataplane(Set.of(), Set.of(now)), List.of(), List.of(now)).isEmpty());
    }

    @Test
    void nodePoliciesBypassLocalTrafficAndBlockTheRestOfTheClusterInEveryDirection() {
        LocalNode local = new LocalNode("node-a", List.of(LOCAL),
                List.of(MINE, Cidr.parse("fd00:10:244::/64")));
        EncryptionSettings settings = new EncryptionSettings(EspCipher.AES_128_GCM,
                List.of(Cidr.parse("10.244.0.0/16"), Cidr.parse("fd00:10:244::/56")), java.time.Duration.ofSeconds(2));
        Set<DataplanePolicy> node = new HashSet<>(new EncryptionPolicies(local, settings).node());
        for (TrafficDirection direction : TrafficDirection.values()) {
            assertTrue(node.contains(new DataplanePolicy.Bypass(direction, MINE, MINE)));
        }
        assertTrue(node.contains(new DataplanePolicy.Block(TrafficDirection.OUT, MINE, Cidr.parse("10.244.0.0/16"))));
        assertTrue(node.contains(new DataplanePolicy.Block(TrafficDirection.FWD, Cidr.parse("10.244.0.0/16"), MINE)));
        assertTrue(node.contains(new DataplanePolicy.Block(TrafficDirection.IN, Cidr.parse("fd00:10:244::/56"), Cidr.parse("fd00:10:244::/64"))));
        assertEquals(6 + 6, node.size(), "3 bypass and 3 block directions per family, no cross-family selectors");
        assertTrue(node.stream().allMatch(p -> p.priority() != DataplanePolicy.PEER_PRIORITY));
        assertTrue(DataplanePolicy.BYPASS_PRIORITY < DataplanePolicy.PEER_PRIORITY
                && DataplanePolicy.PEER_PRIORITY < DataplanePolicy.BLOCK_PRIORITY, "block must lose to everything");

        List<DataplanePolicy> inbound = new EncryptionPolicies(local, settings).inboundFrom(
                List.of(THEIRS, Cidr.parse("fd00:10:244:1::/64")), TUNNEL);
        assertEquals(4, inbound.size(), "IN and FWD per family");
        assertTrue(inbound.contains(new DataplanePolicy.RequireEsp(TrafficDirection.IN, Cidr.parse("fd00:10:244:1::/64"),
                Cidr.parse("fd00:10:244::/64"), PEER, LOCAL)), "IPv6 pods over the IPv4 tunnel");
    }

    private static PeerSa sa(String sender, long senderEpoch, String receiver, long receiverEpoch, long spi,
                                          InetAddress source, InetAddress destination) {
        byte[] key = new byte[20];
        key[0] = (byte) spi;
        key[1] = (byte) senderEpoch;
        return new PeerSa(new PeerSaId(sender, senderEpoch, receiver, receiverEpoch), new Spi(spi), source, destination,
                new EspKey(EspCipher.AES_128_GCM, key));
    }
}
