package dev.ward.xfrm;

import dev.ward.netlink.NetlinkMessage;
import dev.ward.netlink.NetlinkMessageDecoder;
import dev.ward.netlink.NetlinkSocket;
import dev.ward.netlink.NetlinkTimeoutException;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * xfrm notifications of one namespace, from the kernel's EXPIRE and ACQUIRE multicast groups. A dedicated
 * socket, so notifications never interleave with request replies.
 */
public final class XfrmEventStream implements AutoCloseable {
    static final int XFRMNLGRP_ACQUIRE = 1, XFRMNLGRP_EXPIRE = 2;
    private static final Duration POLL_STEP = Duration.ofMillis(200);

    private final NetlinkSocket socket;
    private final Deque<XfrmEvent> pending = new ArrayDeque<>();

    private XfrmEventStream(NetlinkSocket socket) {
        this.socket = socket;
    }

    static XfrmEventStream open(String netns) {
        NetlinkSocket s = NetlinkSocket.openIn(netns, NetlinkSocket.NETLINK_XFRM, POLL_STEP);
        try {
            s.joinGroup(XFRMNLGRP_EXPIRE);
            s.joinGroup(XFRMNLGRP_ACQUIRE);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return new XfrmEventStream(s);
    }

    /** The next event, or null if none arrives within {@code timeout}. */
    public XfrmEvent next(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pending.isEmpty()) {
            try {
                for (NetlinkMessage m : NetlinkMessageDecoder.decode(socket.receive())) {
                    XfrmEvent e = XfrmEventDecoder.decode(m);
                    if (e != null) pending.add(e);
                }
            } catch (NetlinkTimeoutException quiet) {
                if (System.nanoTime() > deadline) return null;
            }
        }
        return pending.poll();
    }

    @Override
    public void close() {
        socket.close();
    }
}
