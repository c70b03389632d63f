package dev.ward.lab;

import dev.ward.agent.encryption.EspCipher;
import dev.ward.agent.encryption.EspKey;
import dev.ward.agent.encryption.KernelSa;
import dev.ward.agent.encryption.Spi;
import dev.ward.agent.encryption.kernel.SaParameters;
import dev.ward.agent.encryption.kernel.XfrmMapping;
import dev.ward.netlink.IpPrefix;
import dev.ward.xfrm.SecurityAssociation;
import dev.ward.xfrm.XfrmClient;

import java.net.InetAddress;
import java.security.SecureRandom;

/**
 * State a crashed agent could leave behind: an inbound SA of Ward's own shape and marker, from a peer that is no
 * longer in the cluster, planted in the node's kernel while its agent is down. The restarted agent, reconciling
 * the kernel against what it should hold, must remove it.
 */
public record StaleState(String netns, SecurityAssociation sa) {
    static final InetAddress GONE_PEER = IpPrefix.address("192.168.77.9");
    private static final long SPI = 0x0badc0deL;

    public static StaleState plant(LabNetwork.Node node) {
        byte[] key = new byte[EspCipher.AES_128_GCM.keyMaterialBytes()];
        new SecureRandom().nextBytes(key);
        SecurityAssociation sa = XfrmMapping.toKernel(new KernelSa(new Spi(SPI), GONE_PEER, node.underlayIp(),
                new EspKey(EspCipher.AES_128_GCM, key)), SaParameters.DEFAULT, null);
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

    public String describe() {
        return "planted a stale inbound SA of Ward's shape in " + netns + ": " + sa.describe() + " (from "
                + GONE_PEER.getHostAddress() + ", a node no longer in the cluster)";
    }
}
