package dev.ward.netlink;

import dev.ward.netlink.sys.LinuxSyscalls;
import dev.ward.netlink.sys.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;

/**
 * A netlink socket of one protocol, optionally created inside a named network namespace (a socket stays in the
 * namespace it was created in, whatever thread uses it later). Thin: it moves datagrams and nothing else.
 */
public final class NetlinkSocket implements NetlinkTransport {
    public static final int NETLINK_ROUTE = 0;
    public static final int NETLINK_XFRM = 6;

    /** Room for the largest dump datagram (the kernel caps dump messages at 32 KiB) and then some. */
    private static final int RECEIVE_BUFFER = 1 << 20;
    /** Kernel buffer sizes asked for: a 512-message batch and every possible error reply to it fit easily. */
    private static final int KERNEL_BUFFER = 8 << 20;

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment receiveBuffer;
    private final int maxSendBytes;
    private MemorySegment sendBuffer;
    private boolean closed;

    /** Error replies are small, but each costs about 1 KiB of receive buffer (skb overhead). */
    private static final int RECEIVE_BYTES_PER_REPLY = 1024;

    private NetlinkSocket(int fd, int maxSendBytes) {
        this.fd = fd;
        this.maxSendBytes = maxSendBytes;
        this.receiveBuffer = arena.allocate(RECEIVE_BUFFER);
        this.sendBuffer = arena.allocate(64 * 1024);
    }

    /** Opens a socket in the calling thread's network namespace. */
    public static NetlinkSocket open(int protocol, Duration receiveTimeout) {
        int fd = LinuxSyscalls.socket(LinuxSyscalls.AF_NETLINK, LinuxSyscalls.SOCK_RAW | LinuxSyscalls.SOCK_CLOEXEC, protocol);
        try {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment addr = a.allocate(12);
                addr.set(ValueLayout.JAVA_SHORT, 0, (short) LinuxSyscalls.AF_NETLINK);
                LinuxSyscalls.bind(fd, addr);
                MemorySegment tv = a.allocate(16);
                tv.set(ValueLayout.JAVA_LONG, 0, receiveTimeout.toSeconds());
                tv.set(ValueLayout.JAVA_LONG, 8, receiveTimeout.toMillisPart() * 1000L);
                LinuxSyscalls.setsockopt(fd, LinuxSyscalls.SOL_SOCKET, LinuxSyscalls.SO_RCVTIMEO, tv);
            }
            // Errors should not echo whole requests back, and should carry the kernel's reason text.
            LinuxSyscalls.setsockoptInt(fd, LinuxSyscalls.SOL_NETLINK, LinuxSyscalls.NETLINK_CAP_ACK, 1);
            LinuxSyscalls.setsockoptInt(fd, LinuxSyscalls.SOL_NETLINK, LinuxSyscalls.NETLINK_EXT_ACK, 1);
            int sendBytes = growBuffers(fd);
            return new NetlinkSocket(fd, sendBytes);
        } catch (RuntimeException e) {
            LinuxSyscalls.close(fd);
            throw e;
        }
    }

    /** Opens a socket inside the named network namespace (see {@link NetworkNamespace#openIn}). */
    public static NetlinkSocket openIn(String netns, int protocol, Duration receiveTimeout) {
        if (netns == null) return open(protocol, receiveTimeout);
        return NetworkNamespace.openIn(netns, () -> open(protocol, receiveTimeout));
    }

    private static int growBuffers(int fd) {
        try {
            LinuxSyscalls.setsockoptInt(fd, LinuxSyscalls.SOL_SOCKET, LinuxSyscalls.SO_SNDBUFFORCE, KERNEL_BUFFER);
            LinuxSyscalls.setsockoptInt(fd, LinuxSyscalls.SOL_SOCKET, LinuxSyscalls.SO_RCVBUFFORCE, KERNEL_BUFFER);
            return KERNEL_BUFFER / 2;
        } catch (SyscallException e) {
            // Without CAP_NET_ADMIN the kernel refuses the FORCE variants; the capped ones still help reads.
            LinuxSyscalls.setsockoptInt(fd, LinuxSyscalls.SOL_SOCKET, LinuxSyscalls.SO_SNDBUF, KERNEL_BUFFER);
            LinuxSyscalls.setsockoptInt(fd, LinuxSyscalls.SOL_SOCKET, LinuxSyscalls.SO_RCVBUF, KERNEL_BUFFER);
            return 64 * 1024;
        }
    }

    /** Joins a multicast group (e.g. XFRMNLGRP_EXPIRE) so the kernel's notifications arrive on this socket. */
    public void joinGroup(int group) {
        LinuxSyscalls.setsockoptInt(fd, LinuxSyscalls.SOL_NETLINK, LinuxSyscalls.NETLINK_ADD_MEMBERSHIP, group);
    }

    @Override
    public int maxSendBytes() {
        return maxSendBytes;
    }

    @Override
    public int maxMessagesPerSend() {
        // 8 MiB forced buffers: 512 (kept modest so one send's kernel work stays short); default buffers: 64.
        return maxSendBytes >= KERNEL_BUFFER / 2 ? 512 : Math.max(1, 64 * 1024 / RECEIVE_BYTES_PER_REPLY);
    }

    @Override
    public synchronized void send(ByteBuffer datagram) {
        int len = datagram.remaining();
        if (sendBuffer.byteSize() < len) sendBuffer = arena.allocate(Math.max(len, sendBuffer.byteSize() * 2));
        MemorySegment.copy(MemorySegment.ofBuffer(datagram), 0, sendBuffer, 0, len);
        long sent = LinuxSyscalls.send(fd, sendBuffer, len);
        if (sent != len) throw new IllegalStateException("netlink send wrote " + sent + " of " + len + " bytes");
    }

    @Override
    public synchronized ByteBuffer receive() {
        long n;
        try {
            n = LinuxSyscalls.recv(fd, receiveBuffer, LinuxSyscalls.MSG_TRUNC);
        } catch (SyscallException e) {
            if (e.errno() == Errno.EAGAIN) throw new NetlinkTimeoutException("no netlink message within the receive timeout");
            throw e;
        }
        if (n > RECEIVE_BUFFER) {
            throw new MalformedNetlinkMessageException("netlink datagram of " + n + " bytes exceeds the "
                    + RECEIVE_BUFFER + "-byte receive buffer");
        }
        byte[] copy = receiveBuffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        return ByteBuffer.wrap(copy).order(ByteOrder.nativeOrder());
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        LinuxSyscalls.close(fd);
        arena.close();
    }
}
