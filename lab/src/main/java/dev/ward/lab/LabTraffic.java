package dev.ward.lab;

import dev.ward.netlink.NetworkNamespace;
import dev.ward.netlink.RawIpSocket;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;

/** The lab's pod-to-pod traffic: TCP transfers checked end to end, numbered UDP streams, a full-size DF datagram. */
public final class LabTraffic {
    /** Every payload the lab sends carries this, so a capture can prove it never crossed the underlay in clear. */
    public static final String MARKER = "ward-lab-plaintext:";
    public static final byte[] MARKER_BYTES = MARKER.getBytes(StandardCharsets.US_ASCII);

    private LabTraffic() {}

    /** A finished TCP transfer: bytes the receiver got, whether its SHA-256 matched the sender's, and how long it took. */
    public record Transfer(long bytes, boolean intact, long millis) {
        /** From the sender's and the receiver's {@code BYTES:SHA256}: what arrived, and whether it is what was sent. */
        public static Transfer of(String sent, String received, long millis) {
            return new Transfer(Long.parseLong(received.substring(0, received.indexOf(':'))), received.equals(sent), millis);
        }

        public double megabitsPerSecond() {
            return millis == 0 ? 0 : bytes * 8.0 / 1000.0 / millis;
        }

        public String describe() {
            return bytes + " bytes in " + millis + " ms (" + String.format("%.1f", megabitsPerSecond()) + " Mbit/s), SHA-256 "
                    + (intact ? "matches" : "DIFFERS");
        }
    }

    /** Sends {@code bytes} over TCP from one pod to another and checks the receiver got exactly them. */
    public static Transfer tcp(LabNetwork.Pod from, LabNetwork.Pod to, int port, long bytes, Duration timeout) {
        try (ServerSocket server = NetworkNamespace.call(to.netns(), () -> new ServerSocket(port, 1, to.ip()))) {
            server.setSoTimeout((int) timeout.toMillis());
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    s.setSoTimeout((int) timeout.toMillis());
                    return receiveAll(s.getInputStream());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            long start = System.nanoTime();
            try (Socket c = NetworkNamespace.call(from.netns(), () -> {
                Socket unconnected = new Socket();
                unconnected.bind(new InetSocketAddress(from.ip(), 0)); // creates the socket, in the pod's namespace
                return unconnected;
            })) {
                c.connect(new InetSocketAddress(to.ip(), port), (int) timeout.toMillis());
                c.setSoTimeout((int) timeout.toMillis());
                String expected = sendMarked(c.getOutputStream(), bytes);
                c.shutdownOutput();
                String got = received.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                return Transfer.of(expected, got, (System.nanoTime() - start) / 1_000_000);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("TCP " + from + " -> " + to + ": " + e.getMessage(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("TCP " + from + " -> " + to + " did not complete within " + timeout.toSeconds() + " s: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code bytes} of marked text; returns {@code BYTES:SHA256} of what it wrote. */
    static String sendMarked(OutputStream out, long bytes) throws IOException {
        MessageDigest sent = sha256();
        byte[] chunk = chunk();
        for (long left = bytes; left > 0; ) {
            int n = (int) Math.min(chunk.length, left);
            out.write(chunk, 0, n);
            sent.update(chunk, 0, n);
            left -= n;
        }
        return bytes + ":" + HexFormat.of().formatHex(sent.digest());
    }

    /** Reads to the end; returns {@code BYTES:SHA256} of what arrived. */
    static String receiveAll(InputStream in) throws IOException {
        MessageDigest d = sha256();
        byte[] buf = new byte[65536];
        long total = 0;
        for (int n; (n = in.read(buf)) > 0; total += n) d.update(buf, 0, n);
        return total + ":" + HexFormat.of().formatHex(d.digest());
    }

    /** 64 KiB of text lines, each carrying the marker: what a capture must never show in clear. */
    private static byte[] chunk() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; b.length() < 65536; i++) b.append(MARKER).append(" line ").append(i).append('\n');
        return Arrays.copyOf(b.toString().getBytes(StandardCharsets.US_ASCII), 65536);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What arrived of one full-size datagram: its IP total length and whether Don't Fragment was set. */
    public record FullSize(int sent, int arrivedLength, boolean dontFragment) {
        public boolean passed() {
            return arrivedLength == sent && dontFragment;
        }

        public String describe() {
            return arrivedLength < 0 ? "a " + sent + "-byte IP packet (DF) did not arrive"
                    : "a " + arrivedLength + "-byte IP packet arrived whole, DF " + (dontFragment ? "set" : "NOT set") + " (sent " + sent + ")";
        }
    }

    /**
     * Sends one UDP datagram whose IP packet is exactly the pod MTU and watches, with a raw socket in the
     * receiving pod, that it arrives in one piece with Don't Fragment set (Linux sets DF on UDP by default).
     */
    public static FullSize fullSizeDatagram(LabNetwork.Pod from, LabNetwork.Pod to, int podMtu) {
        byte[] payload = new byte[podMtu - 28];
        byte[] tag = (MARKER + "full-size").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(tag, 0, payload, 0, tag.length);
        try (RawIpSocket raw = RawIpSocket.open(to.netns(), 17, Duration.ofMillis(500));
             DatagramSocket s = NetworkNamespace.call(from.netns(), () -> new DatagramSocket(new InetSocketAddress(from.ip(), 0)))) {
            for (int attempt = 0; attempt < 3; attempt++) {
                s.send(new DatagramPacket(payload, payload.length, to.ip(), PodEcho.PORT + 1));
                for (byte[] ip = raw.receive(); ip != null; ip = raw.receive()) {
                    if (ip.length < 28 || !Arrays.equals(ip, 12, 16, from.ip().getAddress(), 0, 4)) continue;
                    return new FullSize(podMtu, (ip[2] & 0xff) << 8 | (ip[3] & 0xff), (ip[6] & 0x40) != 0); // a fragment would be shorter
                }
            }
            return new FullSize(podMtu, -1, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What iputils {@code ping} printed and whether every echo request was answered. */
    public record Ping(boolean answered, String summary) {
    }

    /**
     * ICMP echo with the system's {@code ping} inside the sending pod's namespace: {@code payload} data bytes
     * (the IP packet is payload + 28) with Don't Fragment set, so a packet too big for the path fails instead of
     * being fragmented.
     */
    public static Ping icmpPing(LabNetwork.Pod from, LabNetwork.Pod to, int payload, int count) {
        List<String> cmd = List.of("ip", "netns", "exec", from.netns(), "ping", "-n", "-q", "-c", Integer.toString(count),
                "-i", "0.2", "-W", "2", "-M", "do", "-s", Integer.toString(payload), to.ip().getHostAddress());
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int exit = p.waitFor();
            String summary = out.lines().filter(l -> l.contains("packets transmitted") || l.contains("rtt") || l.contains("ping:"))
                    .map(String::trim).reduce((a, b) -> a + "; " + b).orElse(out.trim());
            return new Ping(exit == 0 && out.contains(count + " received"), summary);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Ping(false, "interrupted");
        }
    }

    /**
     * A numbered UDP stream from one pod to another: the sender sends sequence numbers at a fixed interval
     * until stopped, the receiver tallies them, and {@link #stop()} reports how many never arrived.
     */
    public static final class NumberedStream implements PodStream, AutoCloseable {
        /** About 50 s of one stream's datagrams at 100 per second (each takes about a kilobyte of buffer). */
        static final int RECEIVE_BUFFER_BYTES = 4 << 20;

        private static void setReceiveBuffer(DatagramSocket s, int bytes) {
            try {
                s.setReceiveBufferSize(bytes);
            } catch (java.net.SocketException e) {
                throw new java.io.UncheckedIOException("setting SO_RCVBUF on the stream's receiver", e);
            }
        }

        private final String name;
        private final DatagramSocket receiver, sender;
        private final SequenceTally tally = new SequenceTally();
        private final Thread receiving, sending;
        private final LabNetwork.Pod to;
        private final int port;
        private final long intervalNanos;
        private volatile boolean running = true;
        private volatile int sent;
        private volatile int received;
        private volatile long lastArrivalNanos;
        private final long overflowsBefore;

        public NumberedStream(LabNetwork.Pod from, LabNetwork.Pod to, int port, Duration interval) {
            this.name = from.name() + "->" + to.name();
            this.to = to;
            this.port = port;
            this.intervalNanos = interval.toNanos();
            this.receiver = NetworkNamespace.call(to.netns(), () -> new DatagramSocket(new InetSocketAddress(to.ip(), port)));
            // The stream counts what the path lost: a receiving thread starved for seconds by the guest's one busy CPU
            // must not lose datagrams in its own socket (the kernel caps this at net.core.rmem_max, raised in the guest).
            setReceiveBuffer(receiver, RECEIVE_BUFFER_BYTES);
            this.overflowsBefore = receiveBufferErrors(to);
            this.sender = NetworkNamespace.call(from.netns(), () -> new DatagramSocket(new InetSocketAddress(from.ip(), 0)));
            this.receiving = Thread.ofPlatform().daemon().name("stream-rx-" + name).start(this::receive);
            this.sending = Thread.ofPlatform().daemon().name("stream-tx-" + name).start(this::send);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int sentSoFar() {
            return sent;
        }

        @Override
        public int receivedSoFar() {
            return received;
        }

        @Override
        public long lastArrivalNanos() {
            return lastArrivalNanos;
        }

        private void send() {
            sendNumbered(sender, to.ip(), port, intervalNanos, () -> running, n -> sent = n);
        }

        private void receive() {
            receiveNumbered(receiver, seq -> {
                tally.received(seq);
                received++;
                lastArrivalNanos = System.nanoTime();
            });
        }

        /**
         * The sending half of a stream, also run alone inside a pod ({@link PodTrafficTool}): sequence numbers from 0,
         * one every {@code intervalNanos}, while {@code running}; {@code sentSoFar} hears the count after each.
         */
        static void sendNumbered(DatagramSocket sender, InetAddress to, int port, long intervalNanos, BooleanSupplier running, IntConsumer sentSoFar) {
            byte[] buf = new byte[64];
            System.arraycopy(MARKER_BYTES, 0, buf, 4, MARKER_BYTES.length);
            long next = System.nanoTime();
            int seq = 0;
            while (running.getAsBoolean()) {
                ByteBuffer.wrap(buf).putInt(0, seq);
                try {
                    sender.send(new DatagramPacket(buf, buf.length, to, port));
                } catch (IOException refused) {
                    // the sender's kernel refused it: it counts as sent and lost
                }
                sentSoFar.accept(++seq);
                next += intervalNanos;
                long sleep = next - System.nanoTime();
                if (sleep > 0) {
                    try {
                        Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }

        /** The receiving half: each sequence number that arrives, until the socket is closed. */
        static void receiveNumbered(DatagramSocket receiver, IntConsumer sequence) {
            byte[] buf = new byte[64];
            while (true) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    receiver.receive(p);
                } catch (SocketException closed) {
                    return;
                } catch (IOException e) {
                    continue;
                }
                if (p.getLength() >= 4) sequence.accept(ByteBuffer.wrap(buf).getInt(0));
            }
        }

        @Override
        public SequenceTally.Result stop(Duration settle) {
            running = false;
            try {
                sending.join(5000);
                Thread.sleep(settle.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            close();
            SequenceTally.Result r = tally.result(sent);
            if (r.lost() > 0) {
                // Where the loss was: the receiving pod's own socket buffer (the lab's thread not reading in time) or the path.
                long overflows = receiveBufferErrors(to) - overflowsBefore;
                System.out.println("   " + name + ": " + r.lost() + " lost; UDP receive-buffer overflows in " + to.name() + "'s namespace meanwhile: "
                        + overflows + " (all pods' sockets there)");
            }
            return r;
        }

        /** Udp RcvbufErrors of {@code pod}'s namespace (/proc/thread-self/net is the calling thread's namespace). */
        private static long receiveBufferErrors(LabNetwork.Pod pod) {
            return NetworkNamespace.call(pod.netns(), () -> {
                try {
                    List<String> lines = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/thread-self/net/snmp"));
                    for (int i = 0; i + 1 < lines.size(); i++) {
                        if (!lines.get(i).startsWith("Udp: ") || !lines.get(i + 1).startsWith("Udp: ")) continue;
                        List<String> names = List.of(lines.get(i).split("\\s+"));
                        String[] values = lines.get(i + 1).split("\\s+");
                        int at = names.indexOf("RcvbufErrors");
                        return at < 0 ? -1L : Long.parseLong(values[at]);
                    }
                    return -1L;
                } catch (IOException e) {
                    return -1L;
                }
            });
        }

        @Override
        public void close() {
            running = false;
            sender.close();
            receiver.close();
        }
    }
}
