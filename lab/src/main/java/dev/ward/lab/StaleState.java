package dev.ward.lab;

import dev.ward.netlink.IpPrefix;
import dev.ward.xfrm.EspAlgorithm;
import dev.ward.xfrm.ReplayProtection;
import dev.ward.xfrm.SaId;
import dev.ward.xfrm.SecurityAssociation;
import dev.ward.xfrm.XfrmClient;

import java.net.InetAddress;
import java.security.SecureRandom;

/**
 * State a crashed agent could leave behind: an inbound ESP SA from a peer that is no longer in the cluster,
 * planted in the node's kernel while its agent is down. The restarted agent, reconciling the kernel against
 * what it should hold, must remove it.
 */
public record StaleState(String netns, SecurityAssociation sa) {
    static final InetAddress GONE_PEER = IpPrefix.address("192.168.77.9");
    private static final int SPI = 0x0badc0de;

    public static StaleState plant(LabNetwork.Node node) {
        byte[] key = new byte[36];
        new SecureRandom().nextBytes(key);
        SecurityAssociation sa = SecurityAssociation.esp(GONE_PEER, node.underlayIp(), SPI, EspAlgorithm.aesGcm(key))
                .replay(ReplayProtection.esn(64)).build();
        try (XfrmClient x = XfrmClient.open(node.netns())) {
            x.add(sa);
        }
        return new StaleState(node.netns(), sa);
    }

    public boolean present() {
        try (XfrmClient x = XfrmClient.open(netns)) {
            return x.states().stream().anyMatch(s -> s.association().id().equals(sa.id()));
        }
    }

    public SaId id() {
        return sa.id();
    }

    public String describe() {
        return "planted a stale inbound SA in " + netns + ": " + sa.describe() + " (from " + GONE_PEER.getHostAddress() + ", a node no longer in the cluster)";
    }
}
