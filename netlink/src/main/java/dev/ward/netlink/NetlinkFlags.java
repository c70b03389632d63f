package dev.ward.netlink;

/** Message types and header flags of the netlink protocol itself (linux/netlink.h). */
public final class NetlinkFlags {
    public static final int NLMSG_NOOP = 1;
    public static final int NLMSG_ERROR = 2;
    public static final int NLMSG_DONE = 3;
    public static final int NLMSG_OVERRUN = 4;

    public static final int REQUEST = 0x1;
    public static final int MULTI = 0x2;
    public static final int ACK = 0x4;
    public static final int DUMP_INTR = 0x10;
    public static final int DUMP = 0x300;
    public static final int REPLACE = 0x100;
    public static final int EXCL = 0x200;
    public static final int CREATE = 0x400;

    /** On an NLMSG_ERROR: the original request is not echoed (NETLINK_CAP_ACK). */
    public static final int ACK_CAPPED = 0x100;
    /** On an NLMSG_ERROR: extended-ack attributes follow. */
    public static final int ACK_TLVS = 0x200;

    public static final int HEADER_LENGTH = 16;

    private NetlinkFlags() {}

    /** Netlink pads every message and attribute to 4 bytes. */
    public static int align(int length) {
        return (length + 3) & ~3;
    }
}
