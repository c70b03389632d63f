package dev.ward.netlink.route;

import dev.ward.netlink.Attributes;
import dev.ward.netlink.IpPrefix;
import dev.ward.netlink.MalformedNetlinkMessageException;
import dev.ward.netlink.NetlinkMessage;
import dev.ward.netlink.PayloadWriter;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/** Encodes and decodes rtnetlink link, address and route messages (linux/rtnetlink.h, linux/if_link.h). */
public final class RouteMessages {
    public static final int RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18;
    public static final int RTM_NEWADDR = 20, RTM_GETADDR = 22;
    public static final int RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26;

    static final int IFINFOMSG_LEN = 16, IFADDRMSG_LEN = 8, RTMSG_LEN = 12;
    static final int IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_MASTER = 10, IFLA_LINKINFO = 18, IFLA_NET_NS_FD = 28;
    static final int IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2, VETH_INFO_PEER = 1;
    static final int IFA_ADDRESS = 1, IFA_LOCAL = 2;
    static final int RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_TABLE = 15;
    static final int IFF_UP = 1;
    static final int RTN_UNICAST = 1, RTPROT_STATIC = 4, RT_SCOPE_UNIVERSE = 0, RT_SCOPE_LINK = 253;

    private RouteMessages() {}

    static void ifinfomsg(PayloadWriter w, int index, int flags, int change) {
        w.putU8(0).putU8(0).putU16(0).putU32(index).putU32(flags).putU32(change);
    }

    public static byte[] newVethPair(String name, String peer) {
        PayloadWriter w = new PayloadWriter();
        ifinfomsg(w, 0, 0, 0);
        w.attributeString(IFLA_IFNAME, name);
        int info = w.beginNested(IFLA_LINKINFO);
        w.attributeString(IFLA_INFO_KIND, "veth");
        int data = w.beginNested(IFLA_INFO_DATA);
        int peerAttr = w.beginNested(VETH_INFO_PEER);
        ifinfomsg(w, 0, 0, 0);
        w.attributeString(IFLA_IFNAME, peer);
        w.endNested(peerAttr).endNested(data).endNested(info);
        return w.toBytes();
    }

    public static byte[] newBridge(String name) {
        PayloadWriter w = new PayloadWriter();
        ifinfomsg(w, 0, 0, 0);
        w.attributeString(IFLA_IFNAME, name);
        int info = w.beginNested(IFLA_LINKINFO);
        w.attributeString(IFLA_INFO_KIND, "bridge");
        w.endNested(info);
        return w.toBytes();
    }

    /** A change to an existing link; only the attributes given are touched. */
    public static byte[] setLink(int index, Boolean up, Integer mtu, Integer masterIndex, Integer netnsFd) {
        PayloadWriter w = new PayloadWriter();
        ifinfomsg(w, index, up == null ? 0 : (up ? IFF_UP : 0), up == null ? 0 : IFF_UP);
        if (mtu != null) w.attributeU32(IFLA_MTU, mtu);
        if (masterIndex != null) w.attributeU32(IFLA_MASTER, masterIndex);
        if (netnsFd != null) w.attributeU32(IFLA_NET_NS_FD, netnsFd);
        return w.toBytes();
    }

    public static byte[] linkByName(String name) {
        PayloadWriter w = new PayloadWriter();
        ifinfomsg(w, 0, 0, 0);
        w.attributeString(IFLA_IFNAME, name);
        return w.toBytes();
    }

    public static byte[] linkByIndex(int index) {
        PayloadWriter w = new PayloadWriter();
        ifinfomsg(w, index, 0, 0);
        return w.toBytes();
    }

    public static byte[] dumpHeader(int length) {
        return new byte[length];
    }

    public static Link decodeLink(NetlinkMessage m) {
        ByteBuffer p = m.payload();
        Attributes a = Attributes.afterHeader(p, IFINFOMSG_LEN);
        Attributes info = a.has(IFLA_LINKINFO) ? a.nested(IFLA_LINKINFO) : null;
        Integer mtu = a.u32(IFLA_MTU);
        Integer master = a.u32(IFLA_MASTER);
        return new Link(p.getInt(4), a.string(IFLA_IFNAME), mtu == null ? 0 : mtu, (p.getInt(8) & IFF_UP) != 0,
                info == null ? null : info.string(IFLA_INFO_KIND), master == null ? 0 : master);
    }

    public static byte[] newAddress(int linkIndex, IpPrefix address) {
        PayloadWriter w = new PayloadWriter();
        w.putU8(address.family()).putU8(address.length()).putU8(0).putU8(RT_SCOPE_UNIVERSE).putU32(linkIndex);
        w.attribute(IFA_LOCAL, address.address().getAddress());
        w.attribute(IFA_ADDRESS, address.address().getAddress());
        return w.toBytes();
    }

    public static LinkAddress decodeAddress(NetlinkMessage m) {
        ByteBuffer p = m.payload();
        Attributes a = Attributes.afterHeader(p, IFADDRMSG_LEN);
        InetAddress addr = a.has(IFA_LOCAL) ? a.address(IFA_LOCAL) : a.address(IFA_ADDRESS);
        if (addr == null) throw new MalformedNetlinkMessageException("address message without IFA_LOCAL or IFA_ADDRESS");
        return new LinkAddress(p.getInt(4), new IpPrefix(addr, Byte.toUnsignedInt(p.get(1))));
    }

    public static byte[] route(Route r) {
        PayloadWriter w = new PayloadWriter();
        IpPrefix d = r.destination();
        w.putU8(d.family()).putU8(d.length()).putU8(0).putU8(0)
                .putU8(r.table() < 256 ? r.table() : 0).putU8(RTPROT_STATIC)
                .putU8(r.gateway() == null ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE).putU8(RTN_UNICAST).putU32(0);
        w.attribute(RTA_DST, d.address().getAddress());
        if (r.gateway() != null) w.attribute(RTA_GATEWAY, r.gateway().getAddress());
        if (r.linkIndex() > 0) w.attributeU32(RTA_OIF, r.linkIndex());
        w.attributeU32(RTA_TABLE, r.table());
        return w.toBytes();
    }

    public static byte[] routeDump(int family) {
        PayloadWriter w = new PayloadWriter();
        w.putU8(family).zeros(RTMSG_LEN - 1);
        return w.toBytes();
    }

    /** Decodes a route; returns null for non-unicast routes (local, broadcast), which the lab never manages. */
    public static Route decodeRoute(NetlinkMessage m) {
        ByteBuffer p = m.payload();
        Attributes a = Attributes.afterHeader(p, RTMSG_LEN);
        if (Byte.toUnsignedInt(p.get(7)) != RTN_UNICAST) return null;
        int family = Byte.toUnsignedInt(p.get(0));
        InetAddress dst = a.has(RTA_DST) ? a.address(RTA_DST) : unspecified(family);
        Integer table = a.u32(RTA_TABLE);
        Integer oif = a.u32(RTA_OIF);
        return new Route(new IpPrefix(dst, Byte.toUnsignedInt(p.get(1))), a.address(RTA_GATEWAY),
                oif == null ? 0 : oif, table == null ? Byte.toUnsignedInt(p.get(4)) : table);
    }

    private static InetAddress unspecified(int family) {
        try {
            return InetAddress.getByAddress(new byte[family == IpPrefix.AF_INET ? 4 : 16]);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
