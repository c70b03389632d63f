package dev.ward.lab;

import dev.ward.netlink.NetworkNamespace;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP echo service in one pod: echoes every datagram back to its sender and counts, per source address, what
 * arrived. Probing A -> B then says both whether B heard A (B's count) and whether A heard B back (the echo),
 * so a cut can be shown in each direction separately.
 */
public final class PodEcho implements AutoCloseable {
    public static final int PORT = 7007;
    private final DatagramSocket socket;
    private final Map<InetAddress, AtomicLong> heard = new ConcurrentHashMap<>();
    private final Thread loop;

    private PodEcho(DatagramSocket socket, String name) {
        this.socket = socket;
        this.loop = Thread.ofPlatform().daemon().name("echo-" + name).start(this::serve);
    }

    public static PodEcho start(LabNetwork.Pod pod) {
        DatagramSocket s = NetworkNamespace.call(pod.netns(), () -> new DatagramSocket(new InetSocketAddress(pod.ip(), PORT)));
        return new PodEcho(s, pod.name());
    }

    /** Echoes on {@code socket}, already bound where it should serve (inside a real pod: {@link PodTrafficTool}). */
    static PodEcho serve(DatagramSocket socket, String name) {
        return new PodEcho(socket, name);
    }

    /** How many datagrams arrived from {@code source} so far. */
    public long heardFrom(InetAddress source) {
        AtomicLong n = heard.get(source);
        return n == null ? 0 : n.get();
    }

    private void serve() {
        byte[] buf = new byte[65536];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
                heard.computeIfAbsent(p.getAddress(), a -> new AtomicLong()).incrementAndGet();
                socket.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
            } catch (SocketException closed) {
                return;
            } catch (IOException e) {
                // an echo that cannot be sent (no route, policy block) is what probes measure: keep serving
            }
        }
    }

    /**
     * Sends {@code count} probes from {@code from} to {@code to}'s echo service, waiting up to {@code waitMillis}
     * for each echo, and returns how many echoes came back.
     */
    public static int probe(LabNetwork.Pod from, LabNetwork.Pod to, int count, int waitMillis) {
        try (DatagramSocket s = NetworkNamespace.call(from.netns(), () -> new DatagramSocket(new InetSocketAddress(from.ip(), 0)))) {
            return probe(s, to.ip(), from.name() + "->" + to.name(), count, waitMillis);
        }
    }

    /** Probes {@code to}'s echo service from {@code s}; {@code label} tells the probes apart. */
    static int probe(DatagramSocket s, InetAddress to, String label, int count, int waitMillis) {
        try {
            s.setSoTimeout(waitMillis);
            int echoed = 0;
            byte[] buf = new byte[2048];
            for (int i = 0; i < count; i++) {
                byte[] msg = (LabTraffic.MARKER + "probe " + label + " #" + i).getBytes();
                try {
                    s.send(new DatagramPacket(msg, msg.length, to, PORT));
                } catch (IOException blocked) {
                    continue; // the sender's kernel refused (a block policy, no route): not delivered
                }
                try {
                    long until = System.nanoTime() + waitMillis * 1_000_000L;
                    while (System.nanoTime() < until) {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        s.receive(p);
                        if (new String(p.getData(), 0, p.getLength()).equals(new String(msg))) {
                            echoed++;
                            break;
                        }
                    }
                } catch (SocketTimeoutException lost) {
                    // counted: no echo
                }
            }
            return echoed;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        socket.close();
        try {
            loop.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
