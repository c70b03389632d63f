package dev.ward.netlink;

import dev.ward.netlink.sys.LinuxSyscalls;
import dev.ward.netlink.sys.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

/**
 * A raw IPv4 socket for one IP protocol: the kernel hands it a copy of every packet of that protocol arriving
 * in the socket's namespace, before the protocol's own handler. The lab uses it on protocol 50 to see the ESP
 * packets themselves, as a capture would, without tcpdump.
 */
public final class RawIpSocket implements AutoCloseable {
    private static final int AF_INET = 2;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer;

    private RawIpSocket(int fd) {
        this.fd = fd;
        this.buffer = arena.allocate(65536);
    }

    /** Opens the socket inside the named namespace (null: the caller's). */
    public static RawIpSocket open(String netns, int protocol, Duration receiveTimeout) {
        java.util.function.Supplier<Integer> opener = () -> LinuxSyscalls.socket(AF_INET, LinuxSyscalls.SOCK_RAW | LinuxSyscalls.SOCK_CLOEXEC, protocol);
        int fd = netns == null ? opener.get() : NetworkNamespace.openIn(netns, opener);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment tv = a.allocate(16);
            tv.set(ValueLayout.JAVA_LONG, 0, receiveTimeout.toSeconds());
            tv.set(ValueLayout.JAVA_LONG, 8, receiveTimeout.toMillisPart() * 1000L);
            LinuxSyscalls.setsockopt(fd, LinuxSyscalls.SOL_SOCKET, LinuxSyscalls.SO_RCVTIMEO, tv);
        } catch (RuntimeException e) {
            LinuxSyscalls.close(fd);
            throw e;
        }
        return new RawIpSocket(fd);
    }

    /** The next packet, IP header included, or null when none arrives within the receive timeout. */
    public synchronized byte[] receive() {
        try {
            long n = LinuxSyscalls.recv(fd, buffer, 0);
            return buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        } catch (SyscallException e) {
            if (e.errno() == Errno.EAGAIN) return null;
            throw e;
        }
    }

    @Override
    public synchronized void close() {
        LinuxSyscalls.close(fd);
        arena.close();
    }
}
