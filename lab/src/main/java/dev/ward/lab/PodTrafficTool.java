package dev.ward.lab;

import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The pod side of the scenarios' traffic on a real cluster: the lab's echo service, probes, numbered streams and
 * checked TCP transfers, run inside a pod of Ward's image, where the pod's own network namespace is the current
 * one. The kind suites start it through {@code kubectl exec} and read one line per event:
 * <pre>
 *   serve                      the UDP echo service on port 7007, until stopped
 *   probe IP COUNT WAIT_MS     prints how many of COUNT probes IP's echo service answered
 *   send IP PORT INTERVAL_MS   a numbered stream to IP:PORT, one datagram per interval; prints "sent N" after each
 *   receive PORT               prints "got SEQ" for each datagram that arrives on PORT
 *   tcp-receive PORT           accepts one connection; prints BYTES:SHA256 of what arrived
 *   tcp-send IP PORT BYTES     sends BYTES of marked text; prints BYTES:SHA256 of what it sent
 *   tcp-echo [PORT...]         a TCP echo service on each PORT (none: the pod only stays up, a client); prints
 *                              "listening PORT,..." once every port listens, then runs until stopped
 *   connect IP PORT TIMEOUT_MS one connection attempt; prints CONNECTED, REFUSED (an RST) or DROPPED (no answer)
 * </pre>
 * {@code send} and {@code receive} first print "pid N" and run until that process is sent SIGTERM (the image's sh
 * has kill built in).
 */
public final class PodTrafficTool {
    private PodTrafficTool() {}

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        try {
            switch (args.length == 0 ? "" : args[0]) {
                case "serve" -> serve();
                case "probe" -> {
                    need(args, 4);
                    try (DatagramSocket s = new DatagramSocket()) {
                        out.println(PodEcho.probe(s, address(args[1]), "from " + InetAddress.getLocalHost().getHostName(), count(args[2]), count(args[3])));
                    }
                }
                case "send" -> {
                    need(args, 4);
                    out.println("pid " + ProcessHandle.current().pid());
                    DatagramSocket s = new DatagramSocket();
                    Stop stop = Stop.onTerm();
                    LabTraffic.NumberedStream.sendNumbered(s, address(args[1]), count(args[2]), count(args[3]) * 1_000_000L, stop::running,
                            n -> out.println("sent " + n));
                    stop.done();
                }
                case "receive" -> {
                    need(args, 2);
                    DatagramSocket s = new DatagramSocket(new InetSocketAddress(count(args[1])));
                    out.println("pid " + ProcessHandle.current().pid());
                    Runtime.getRuntime().addShutdownHook(new Thread(s::close));
                    LabTraffic.NumberedStream.receiveNumbered(s, seq -> out.println("got " + seq));
                }
                case "tcp-receive" -> {
                    need(args, 2);
                    try (ServerSocket server = new ServerSocket(count(args[1]))) {
                        out.println("listening");
                        try (Socket c = server.accept()) {
                            out.println(LabTraffic.receiveAll(c.getInputStream()));
                        }
                    }
                }
                case "tcp-send" -> {
                    need(args, 4);
                    try (Socket c = new Socket(address(args[1]), count(args[2]))) {
                        out.println(LabTraffic.sendMarked(c.getOutputStream(), Long.parseLong(args[3])));
                    }
                }
                case "tcp-echo" -> {
                    List<String> ports = new ArrayList<>();
                    for (int i = 1; i < args.length; i++) {
                        PodTcp.echoServer(new ServerSocket(count(args[i])), "port " + args[i]);
                        ports.add(args[i]);
                    }
                    out.println("listening " + String.join(",", ports));
                    new CountDownLatch(1).await();
                }
                case "connect" -> {
                    need(args, 4);
                    out.println(PodTcp.attempt(new Socket(), InetAddress.getLocalHost().getHostName(), address(args[1]), count(args[2]), count(args[3])));
                }
                default -> throw new IllegalArgumentException("usage: PodTrafficTool serve|probe|send|receive|tcp-receive|tcp-send|tcp-echo|connect ... (got "
                        + String.join(" ", args) + ")");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("PodTrafficTool: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void serve() throws IOException, InterruptedException {
        PodEcho.serve(new DatagramSocket(PodEcho.PORT), InetAddress.getLocalHost().getHostName());
        System.out.println("echoing on udp/" + PodEcho.PORT);
        new CountDownLatch(1).await();
    }

    /** SIGTERM ends a stream: the sending loop sees {@link #running()} turn false and finishes its last datagram. */
    private static final class Stop {
        private volatile boolean running = true;
        private final CountDownLatch done = new CountDownLatch(1);

        static Stop onTerm() {
            Stop s = new Stop();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                s.running = false;
                try {
                    s.done.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            return s;
        }

        boolean running() {
            return running;
        }

        void done() {
            done.countDown();
        }
    }

    private static void need(String[] args, int n) {
        if (args.length != n) throw new IllegalArgumentException(args[0] + " takes " + (n - 1) + " arguments, got " + (args.length - 1));
    }

    private static int count(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + s);
        }
    }

    private static InetAddress address(String s) {
        try {
            return InetAddress.ofLiteral(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an IP address: " + s);
        }
    }
}
