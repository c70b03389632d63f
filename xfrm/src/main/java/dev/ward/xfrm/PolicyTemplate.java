package dev.ward.xfrm;

import java.net.InetAddress;

/**
 * Which ESP SA a policy expects: in tunnel mode the outer source and destination; in transport mode the
 * addresses are null (the packet's own). {@code spi} 0 and {@code reqid} 0 match any.
 */
public record PolicyTemplate(InetAddress source, InetAddress destination, int spi, XfrmMode mode, int reqid,
                             TemplateLevel level) {
    public static PolicyTemplate tunnel(InetAddress source, InetAddress destination, int reqid, TemplateLevel level) {
        return new PolicyTemplate(source, destination, 0, XfrmMode.TUNNEL, reqid, level);
    }

    public static PolicyTemplate transport(int reqid, TemplateLevel level) {
        return new PolicyTemplate(null, null, 0, XfrmMode.TRANSPORT, reqid, level);
    }
}
