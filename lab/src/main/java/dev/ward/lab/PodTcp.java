package dev.ward.lab;

import dev.ward.netlink.NetworkNamespace;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TCP between the lab's pods for the policy scenarios: an echo service in a pod, connection attempts that tell a
 * policy drop (no answer) from a refusal (an RST, nothing listening) and a success, a line stream whose echoes are
 * counted and timed, and the kernel's own count of a pod's retransmissions to a peer: 0 means no segment was lost,
 * which is stricter than every byte arriving (TCP repairs a drop by retransmitting).
 */
public final class PodTcp {
    private static final Pattern RETRANS = Pattern.compile("retrans:\\d+/(\\d+)"), DSACK = Pattern.compile("dsack_dups:(\\d+)");

    private PodTcp() {}

    /** Echoes every line back, on every connection, until closed. */
    public static AutoCloseable echoServer(LabNetwork.Pod pod, int port) {
        return echoServer(NetworkNamespace.call(pod.netns(), () -> new ServerSocket(port, 50, pod.ip())), pod.name() + ":" + port);
    }

    /** Echoes what {@code server}'s connections send, until closed (in a pod of a real cluster: PodTrafficTool). */
    public static AutoCloseable echoServer(ServerSocket server, String name) {
        Thread t = Thread.ofPlatform().daemon().name("tcp-echo-" + name).start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket c = server.accept();
                    Thread.ofVirtual().start(() -> echo(c));
                } catch (IOException closed) {
                    return;
                }
            }
        });
        return () -> {
            server.close();
            t.join(2000);
        };
    }

    private static void echo(Socket c) {
        try (c) {
            byte[] buf = new byte[8192];
            OutputStream out = c.getOutputStream();
            for (int n; (n = c.getInputStream().read(buf)) > 0; ) out.write(buf, 0, n);
        } catch (IOException gone) {
            // the client went, or policy cut the flow
        }
    }

    /** What one connection attempt met. */
    public enum Attempt { CONNECTED, REFUSED, DROPPED }

    public static Attempt attempt(LabNetwork.Pod from, LabNetwork.Pod to, int port, int timeoutMillis) {
        return attempt(from, to.ip(), port, timeoutMillis);
    }

    public static Attempt attempt(LabNetwork.Pod from, InetAddress to, int port, int timeoutMillis) {
        return attempt(socketIn(from), from.name(), to, port, timeoutMillis);
    }

    /**
     * Connects {@code s} (then closes it) to {@code to:port}: no answer within the timeout is a drop, an RST a
     * refusal; any other failure is thrown, naming {@code from}.
     */
    public static Attempt attempt(Socket s, String from, InetAddress to, int port, int timeoutMillis) {
        try (s) {
            s.connect(new InetSocketAddress(to, port), timeoutMillis);
            return Attempt.CONNECTED;
        } catch (SocketTimeoutException e) {
            return Attempt.DROPPED;
        } catch (ConnectException e) {
            return Attempt.REFUSED;
        } catch (IOException e) {
            throw new UncheckedIOException("TCP " + from + " -> " + to.getHostAddress() + ":" + port, e);
        }
    }

    private static Socket socketIn(LabNetwork.Pod pod) {
        return NetworkNamespace.call(pod.netns(), () -> {
            Socket s = new Socket();
            s.bind(new InetSocketAddress(pod.ip(), 0)); // creates the socket in the pod's namespace
            return s;
        });
    }

    /**
     * A sender's retransmissions on its connections to one peer, and how many of them the receiver reported it
     * already had (D-SACK): those were spurious (a late ACK, not a lost segment), the rest repaired losses.
     */
    public record Retransmits(long total, long spurious) {
        public long lost() {
            return total - spurious;
        }

        Retransmits plus(Retransmits o) {
            return new Retransmits(total + o.total, spurious + o.spurious);
        }

        public String describe() {
            return total + " segments retransmitted" + (spurious > 0 ? ", " + spurious + " of them spurious (the receiver had them: D-SACK)" : "");
        }
    }

    /** Retransmissions of {@code from}'s open connections to {@code to}, from {@code ss -ti} in {@code from}'s namespace. */
    public static Retransmits retransmits(LabNetwork.Pod from, LabNetwork.Pod to) {
        List<String> cmd = List.of("ip", "netns", "exec", from.netns(), "ss", "-tinH", "dst", to.ip().getHostAddress());
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
            return new Retransmits(sum(RETRANS, out), sum(DSACK, out));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static long sum(Pattern p, String text) {
        long total = 0;
        Matcher m = p.matcher(text);
        while (m.find()) total += Long.parseLong(m.group(1));
        return total;
    }

    /**
     * Connection attempts from one pod to another every {@code gapMillis}, each given {@code timeoutMillis}: counts
     * what they met and when the first one connected.
     */
    public static final class Prober implements AutoCloseable {
        private final String name;
        private final AtomicInteger attempts = new AtomicInteger(), connected = new AtomicInteger(), refused = new AtomicInteger();
        private volatile long firstConnected;
        private volatile boolean running = true;
        private final Thread thread;

        public Prober(LabNetwork.Pod from, LabNetwork.Pod to, int port, int timeoutMillis, int gapMillis) {
            this.name = from.name() + "->" + to.name() + ":" + port;
            thread = Thread.ofPlatform().daemon().name("probe-" + name).start(() -> {
                while (running) {
                    Attempt a = attempt(from, to, port, timeoutMillis);
                    attempts.incrementAndGet();
                    if (a == Attempt.CONNECTED) {
                        if (connected.getAndIncrement() == 0) firstConnected = System.nanoTime();
                    } else if (a == Attempt.REFUSED) {
                        refused.incrementAndGet();
                    }
                    try {
                        Thread.sleep(gapMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        public String name() {
            return name;
        }

        public int attempts() {
            return attempts.get();
        }

        public int connected() {
            return connected.get();
        }

        public int refused() {
            return refused.get();
        }

        /** {@link System#nanoTime()} of the first success; 0 if none. */
        public long firstConnectedNanos() {
            return firstConnected;
        }

        public String describe() {
            return name + ": " + attempts() + " attempts, " + connected() + " connected, " + refused() + " refused, "
                    + (attempts() - connected() - refused()) + " dropped";
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(3000);
        }
    }

    /** A numbered line every {@code intervalMillis} over one connection, each echo checked in order and timed. */
    public static final class LineStream implements AutoCloseable {
        private final String name;
        private final LabNetwork.Pod from, to;
        private final Socket socket;
        private final AtomicInteger sent = new AtomicInteger(), echoed = new AtomicInteger();
        private volatile String problem;
        private volatile long lastEcho = System.nanoTime();
        private volatile boolean running = true;
        private final Thread writer, reader;

        public LineStream(LabNetwork.Pod from, LabNetwork.Pod to, int port, int intervalMillis) throws IOException {
            this.name = from.name() + "->" + to.name() + ":" + port;
            this.from = from;
            this.to = to;
            this.socket = socketIn(from);
            socket.connect(new InetSocketAddress(to.ip(), port), 5000);
            PrintWriter out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            writer = Thread.ofPlatform().daemon().name("stream-tx-" + name).start(() -> {
                while (running) {
                    out.println(LabTraffic.MARKER + " line " + sent.getAndIncrement());
                    try {
                        Thread.sleep(intervalMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            reader = Thread.ofPlatform().daemon().name("stream-rx-" + name).start(() -> {
                try {
                    for (String l; (l = in.readLine()) != null; ) {
                        int n = echoed.get();
                        if (!l.equals(LabTraffic.MARKER + " line " + n) && problem == null) problem = "expected line " + n + ", got " + l;
                        echoed.incrementAndGet();
                        lastEcho = System.nanoTime();
                    }
                } catch (IOException e) {
                    if (running && problem == null) problem = e.toString();
                }
            });
        }

        public String name() {
            return name;
        }

        public int sent() {
            return sent.get();
        }

        public int echoed() {
            return echoed.get();
        }

        public long lastEchoNanos() {
            return lastEcho;
        }

        /** Null while every echo came back in order; otherwise what went wrong. */
        public String problem() {
            return problem;
        }

        /** This stream's retransmissions, both ways. */
        public Retransmits retransmits() {
            return PodTcp.retransmits(from, to).plus(PodTcp.retransmits(to, from));
        }

        /** Stops sending and waits up to {@code settleMillis} for the echoes in flight. */
        public void stop(int settleMillis) throws InterruptedException {
            running = false;
            writer.join(2000);
            long until = System.nanoTime() + settleMillis * 1_000_000L;
            while (echoed.get() < sent.get() && System.nanoTime() < until) Thread.sleep(20);
        }

        /** Sent, echoed, and whether it was in order. */
        public String describe() {
            return name + ": " + sent() + " lines sent, " + echoed() + " echoed" + (problem == null ? " in order" : " (" + problem + ")");
        }

        @Override
        public void close() throws IOException {
            running = false;
            socket.close();
        }
    }
}
