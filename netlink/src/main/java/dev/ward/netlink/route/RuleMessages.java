package dev.ward.netlink.route;

import dev.ward.netlink.Attributes;
import dev.ward.netlink.IpPrefix;
import dev.ward.netlink.NetlinkMessage;
import dev.ward.netlink.PayloadWriter;

import java.nio.ByteBuffer;

/**
 * Encodes and decodes policy routing rules (linux/fib_rules.h) and local routes: what delivers marked packets
 * to a local socket, e.g. a transparent proxy's.
 */
public final class RuleMessages {
    public static final int RTM_NEWRULE = 32, RTM_DELRULE = 33, RTM_GETRULE = 34;
    static final int FIB_RULE_HDR_LEN = 12;
    static final int FRA_PRIORITY = 6, FRA_FWMARK = 10, FRA_TABLE = 15, FRA_FWMASK = 16;
    static final int FR_ACT_TO_TBL = 1;
    static final int RTN_LOCAL = 2, RT_SCOPE_HOST = 254, RTPROT_STATIC = 4;

    private RuleMessages() {}

    public static byte[] rule(FibRule r) {
        PayloadWriter w = new PayloadWriter();
        w.putU8(r.family()).putU8(0).putU8(0).putU8(0).putU8(r.table() < 256 ? r.table() : 0).putU8(0).putU8(0)
                .putU8(FR_ACT_TO_TBL).putU32(0);
        w.attributeU32(FRA_PRIORITY, r.priority());
        w.attributeU32(FRA_FWMARK, r.mark());
        w.attributeU32(FRA_FWMASK, r.mask());
        w.attributeU32(FRA_TABLE, r.table());
        return w.toBytes();
    }

    public static byte[] ruleDump(int family) {
        PayloadWriter w = new PayloadWriter();
        w.putU8(family).zeros(FIB_RULE_HDR_LEN - 1);
        return w.toBytes();
    }

    /** A rule with a mark (the only kind Ward writes); null for rules without one. */
    public static FibRule decodeRule(NetlinkMessage m) {
        ByteBuffer p = m.payload();
        Attributes a = Attributes.afterHeader(p, FIB_RULE_HDR_LEN);
        Integer mark = a.u32(FRA_FWMARK);
        if (mark == null) return null;
        Integer mask = a.u32(FRA_FWMASK);
        Integer prio = a.u32(FRA_PRIORITY);
        Integer table = a.u32(FRA_TABLE);
        return new FibRule(Byte.toUnsignedInt(p.get(0)), prio == null ? 0 : prio, mark, mask == null ? -1 : mask,
                table == null ? Byte.toUnsignedInt(p.get(4)) : table);
    }

    /** {@code ip route add local DST dev LINK table TABLE}: every address in DST is delivered locally. */
    public static byte[] localRoute(IpPrefix dst, int linkIndex, int table) {
        PayloadWriter w = new PayloadWriter();
        w.putU8(dst.family()).putU8(dst.length()).putU8(0).putU8(0)
                .putU8(table < 256 ? table : 0).putU8(RTPROT_STATIC).putU8(RT_SCOPE_HOST).putU8(RTN_LOCAL).putU32(0);
        w.attribute(RouteMessages.RTA_DST, dst.address().getAddress());
        w.attributeU32(RouteMessages.RTA_OIF, linkIndex);
        w.attributeU32(RouteMessages.RTA_TABLE, table);
        return w.toBytes();
    }
}
