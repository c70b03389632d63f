package dev.ward.bpf.lab;

import dev.ward.netlink.NetworkNamespace;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real traffic between pod namespaces with Java sockets (created inside the pod's namespace, so they live
 * there whatever thread uses them) and iputils ping. Servers echo what they get.
 */
public final class Traffic {
    private Traffic() {}

    /** An echo server in {@code pod}; closed with the returned handle. */
    public static AutoCloseable tcpEchoServer(Pod pod, InetAddress address, int port) {
        ServerSocketChannel server = NetworkNamespace.openIn(pod.netns(), () -> {
            try {
                ServerSocketChannel s = ServerSocketChannel.open();
                s.bind(new InetSocketAddress(address, port));
                return s;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread t = Thread.ofVirtual().start(() -> {
            while (server.isOpen()) {
                try {
                    SocketChannel c = server.accept();
                    Thread.ofVirtual().start(() -> echo(c));
                } catch (IOException e) {
                    return;
                }
            }
        });
        return () -> {
            server.close();
            t.join(1000);
        };
    }

    private static void echo(SocketChannel c) {
        try (c) {
            ByteBuffer b = ByteBuffer.allocate(65536);
            while (c.read(b) >= 0) {
                b.flip();
                while (b.hasRemaining()) c.write(b);
                b.clear();
            }
        } catch (IOException ignored) {
            // the peer went away
        }
    }

    public static SocketChannel openTcp(Pod from) {
        return NetworkNamespace.openIn(from.netns(), () -> {
            try {
                return SocketChannel.open();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Connects from {@code from} within {@code timeout}; null when the connection does not come up. */
    public static SocketChannel connect(Pod from, InetAddress to, int port, Duration timeout) {
        SocketChannel c = openTcp(from);
        try (Selector sel = Selector.open()) {
            c.configureBlocking(false);
            if (!c.connect(new InetSocketAddress(to, port))) {
                c.register(sel, SelectionKey.OP_CONNECT);
                if (sel.select(timeout.toMillis()) == 0) {
                    c.close();
                    return null;
                }
                c.finishConnect();
            }
            c.keyFor(sel);
            sel.close();
            c.configureBlocking(true);
            return c;
        } catch (IOException e) {
            try {
                c.close();
            } catch (IOException ignored) {
                // already failing
            }
            return null;
        }
    }

    public static boolean tcpConnects(Pod from, InetAddress to, int port) {
        SocketChannel c = connect(from, to, port, Duration.ofMillis(1500));
        if (c == null) return false;
        try {
            c.close();
        } catch (IOException ignored) {
            // connected was the point
        }
        return true;
    }

    /** Sends {@code text} over an open connection and reads the echo, within {@code timeout}; null if none came. */
    public static String roundTrip(SocketChannel c, String text, Duration timeout) throws IOException {
        return request(c, text, text.getBytes(StandardCharsets.UTF_8).length, timeout);
    }

    /** Sends {@code text} and reads {@code replyLength} bytes back within {@code timeout}; null if they did not come. */
    public static String request(SocketChannel c, String text, int replyLength, Duration timeout) throws IOException {
        c.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        c.socket().setSoTimeout((int) timeout.toMillis());
        try {
            var stream = c.socket().getInputStream();
            int got = 0;
            byte[] buf = new byte[replyLength];
            while (got < replyLength) {
                int n = stream.read(buf, got, replyLength - got);
                if (n < 0) return null;
                got += n;
            }
            return new String(buf, StandardCharsets.UTF_8);
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    public static AutoCloseable udpEchoServer(Pod pod, InetAddress address, int port) {
        DatagramChannel ch = NetworkNamespace.openIn(pod.netns(), () -> {
            try {
                DatagramChannel d = DatagramChannel.open(address.getAddress().length == 4
                        ? java.net.StandardProtocolFamily.INET : java.net.StandardProtocolFamily.INET6);
                d.bind(new InetSocketAddress(address, port));
                return d;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread t = Thread.ofVirtual().start(() -> {
            ByteBuffer b = ByteBuffer.allocate(65536);
            while (ch.isOpen()) {
                try {
                    b.clear();
                    var from = ch.receive(b);
                    b.flip();
                    ch.send(b, from);
                } catch (IOException e) {
                    return;
                }
            }
        });
        return () -> {
            ch.close();
            t.join(1000);
        };
    }

    public enum UdpOutcome { ANSWERED, NO_ANSWER, PORT_UNREACHABLE }

    /** One datagram to {@code to:port} from a connected socket in {@code from}, waiting for the echo. */
    public static UdpOutcome udpRoundTrip(Pod from, InetAddress to, int port, Duration timeout) {
        DatagramChannel ch = NetworkNamespace.openIn(from.netns(), () -> {
            try {
                return DatagramChannel.open(to.getAddress().length == 4
                        ? java.net.StandardProtocolFamily.INET : java.net.StandardProtocolFamily.INET6);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        try (ch) {
            ch.connect(new InetSocketAddress(to, port));
            ch.socket().setSoTimeout((int) timeout.toMillis());
            ch.write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.UTF_8)));
            java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[64], 64);
            ch.socket().receive(p);
            return UdpOutcome.ANSWERED;
        } catch (PortUnreachableException e) {
            return UdpOutcome.PORT_UNREACHABLE;
        } catch (SocketTimeoutException e) {
            return UdpOutcome.NO_ANSWER;
        } catch (IOException e) {
            if (e.getCause() instanceof PortUnreachableException || String.valueOf(e.getMessage()).contains("refused")) {
                return UdpOutcome.PORT_UNREACHABLE;
            }
            throw new IllegalStateException(e);
        }
    }

    /** One ICMP echo with iputils ping from {@code from}; true if answered within a second. */
    public static boolean ping(Pod from, InetAddress to) {
        return run(List.of("ip", "netns", "exec", from.netns(), "ping", "-c", "1", "-W", "1", "-n", to.getHostAddress())) == 0;
    }

    static int run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
