package dev.ward.agent.encryption;

import java.util.List;

/** Sample announcements for tests. */
final class Announcements {
    private Announcements() {
    }

    static NodeAnnouncement sample(String node, long epoch, long revision) {
        return new NodeAnnouncement(node,
                List.of(IpLiterals.parse("192.0.2.10"), IpLiterals.parse("2001:db8::10")),
                List.of(Cidr.parse("10.244.1.0/24"), Cidr.parse("fd00:10:244:1::/64")),
                new EpochPublicKey(epoch, X25519.rawPublicKey(X25519.generateKeyPair().getPublic())),
                revision,
                List.of(new Acknowledgement("node-y", 3, epoch, new Spi(0x1000)), new Acknowledgement("node-y", 4, epoch, new Spi(0x1001)),
                        new Acknowledgement("node-z", 9, epoch, new Spi(0xfffffff0L))),
                List.of(new OutboundInUse("node-y", epoch, 3, new Spi(0x2000))));
    }

    static NodeAnnouncement withRevision(NodeAnnouncement a, long revision) {
        return new NodeAnnouncement(a.node(), a.underlay(), a.podCidrs(), a.key(), revision, a.acknowledgements(), a.sending());
    }
}
