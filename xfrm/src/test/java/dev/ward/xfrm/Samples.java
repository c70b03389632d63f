package dev.ward.xfrm;

import dev.ward.netlink.IpPrefix;

import java.net.InetAddress;
import java.util.List;

/** SAs and policies of every kind Ward installs, shared by codec and kernel tests. */
public final class Samples {
    private Samples() {}

    public static InetAddress ip(String s) {
        return IpPrefix.address(s);
    }

    public static byte[] key(int bytes, int seed) {
        byte[] k = new byte[bytes];
        for (int i = 0; i < bytes; i++) k[i] = (byte) (seed * 31 + i * 7 + 1);
        return k;
    }

    public static List<SecurityAssociation> everyKindOfSa() {
        InetAddress a = ip("10.90.0.1"), b = ip("10.90.0.2");
        return List.of(
                SecurityAssociation.esp(a, b, 0x1000, EspAlgorithm.aesGcm(key(20, 1))).reqid(1).build(),
                SecurityAssociation.esp(a, b, 0x1001, EspAlgorithm.aesGcm(key(36, 2))).mode(XfrmMode.TRANSPORT).reqid(2)
                        .selector(Selector.between(IpPrefix.parse("10.90.0.1/32"), IpPrefix.parse("10.90.0.2/32"))).build(),
                SecurityAssociation.esp(a, b, 0x1002, EspAlgorithm.aesCbcHmacSha256(key(16, 3), key(32, 4))).reqid(3).build(),
                SecurityAssociation.esp(a, b, 0x1003, EspAlgorithm.aesCbcHmacSha256(key(32, 5), key(32, 6))).mode(XfrmMode.TRANSPORT).build(),
                SecurityAssociation.esp(a, b, 0x1004, EspAlgorithm.aesGcm(key(36, 7))).replay(ReplayProtection.esn(128)).reqid(4).build(),
                SecurityAssociation.esp(a, b, 0x1005, EspAlgorithm.aesGcm(key(20, 8))).replay(ReplayProtection.window(32)).build(),
                SecurityAssociation.esp(a, b, 0x1006, EspAlgorithm.aesGcm(key(20, 9))).mark(new Mark(0xe00, 0xf00))
                        .outputMark(new Mark(0xd00, 0xf00)).build(),
                SecurityAssociation.esp(a, b, 0x1007, EspAlgorithm.aesGcm(key(20, 10))).ifId(42).build(),
                SecurityAssociation.esp(a, b, 0x1008, EspAlgorithm.aesGcm(key(20, 11)))
                        .lifetime(new Lifetime(1_000_000, 2_000_000, 1000, 2000, 3600, 7200)).build(),
                SecurityAssociation.esp(ip("fd90::1"), ip("fd90::2"), 0x1009, EspAlgorithm.aesGcm(key(36, 12)))
                        .selector(new Selector(IpPrefix.parse("fd91::/64"), IpPrefix.parse("fd92::/64"), 6, 0, 443)).build());
    }

    public static List<XfrmPolicy> everyKindOfPolicy() {
        Selector nets = Selector.between(IpPrefix.parse("10.91.1.0/24"), IpPrefix.parse("10.91.2.0/24"));
        Selector tcp = new Selector(IpPrefix.parse("10.91.1.5/32"), IpPrefix.parse("10.91.2.0/24"), 6, 0, 8443);
        Selector udp = new Selector(IpPrefix.parse("10.91.1.0/24"), IpPrefix.parse("10.91.2.7/32"), 17, 5353, 53);
        Selector v6 = Selector.between(IpPrefix.parse("fd91::/64"), IpPrefix.parse("fd92::/64"));
        InetAddress a = ip("10.90.0.1"), b = ip("10.90.0.2");
        return List.of(
                XfrmPolicy.allow(nets, PolicyDirection.OUT, 100, PolicyTemplate.tunnel(a, b, 1, TemplateLevel.REQUIRED)),
                XfrmPolicy.allow(Selector.between(nets.destination(), nets.source()), PolicyDirection.IN, 100,
                        PolicyTemplate.tunnel(b, a, 1, TemplateLevel.REQUIRED)),
                XfrmPolicy.allow(Selector.between(nets.destination(), nets.source()), PolicyDirection.FWD, 100,
                        PolicyTemplate.tunnel(b, a, 1, TemplateLevel.USE)),
                XfrmPolicy.allow(tcp, PolicyDirection.OUT, 50, PolicyTemplate.transport(7, TemplateLevel.REQUIRED)),
                XfrmPolicy.block(udp, PolicyDirection.OUT, 10),
                XfrmPolicy.allow(nets, PolicyDirection.OUT, 200, PolicyTemplate.tunnel(a, b, 9, TemplateLevel.REQUIRED))
                        .withMark(new Mark(0xe00, 0xf00)),
                XfrmPolicy.allow(nets, PolicyDirection.OUT, 300, PolicyTemplate.tunnel(a, b, 10, TemplateLevel.REQUIRED)).withIfId(42),
                XfrmPolicy.allow(Selector.between(IpPrefix.parse("10.91.3.0/24"), IpPrefix.parse("10.91.4.0/24")), PolicyDirection.OUT, 0),
                XfrmPolicy.allow(v6, PolicyDirection.OUT, 100, PolicyTemplate.tunnel(ip("fd90::1"), ip("fd90::2"), 11, TemplateLevel.REQUIRED)));
    }
}
