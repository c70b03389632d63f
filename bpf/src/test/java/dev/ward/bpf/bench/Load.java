package dev.ward.bpf.bench;

import dev.ward.bpf.lab.Pod;
import dev.ward.bpf.lab.Traffic;
import dev.ward.netlink.NetworkNamespace;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The load: iperf3 (one TCP stream) for throughput, and Java sockets for request/response on one connection
 * (client and echo thread pinned to one CPU, see {@link CpuPin}) and for new connections (connect, one byte each way, close). Each figure is the median of several runs.
 */
final class Load {
    private static final Pattern RECEIVED = Pattern.compile("\"sum_received\"\\s*:\\s*\\{[^}]*\"bits_per_second\"\\s*:\\s*([0-9.e+]+)");
    private final int seconds;

    Load(int seconds) {
        this.seconds = seconds;
    }

    /** One measurement of each kind. */
    record Sample(double gbps, double rr, double crr) {}

    /** iperf3 and the echo servers in {@code server}'s namespace. */
    AutoCloseable servers(Pod server) throws IOException {
        Process iperf = new ProcessBuilder("ip", "netns", "exec", server.netns(), "iperf3", "-s", "-p", String.valueOf(DatapathBenchmark.IPERF))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        ServerSocketChannel rr = listen(server, DatapathBenchmark.RR);
        ServerSocketChannel crr = listen(server, DatapathBenchmark.CRR);
        Thread a = echoLoop(rr, CpuPin.RR_CPU);
        Thread b = answerEachInTurn(crr);
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return () -> {
            iperf.destroy();
            iperf.waitFor(5, TimeUnit.SECONDS);
            rr.close();
            crr.close();
            a.join(1000);
            b.join(1000);
        };
    }

    private static ServerSocketChannel listen(Pod p, int port) {
        return NetworkNamespace.openIn(p.netns(), () -> {
            try {
                ServerSocketChannel s = ServerSocketChannel.open();
                s.bind(new InetSocketAddress(p.ipv4(), port), 1024);
                return s;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static Thread echoLoop(ServerSocketChannel s, int cpu) {
        return Thread.ofPlatform().daemon().start(() -> {
            while (s.isOpen()) {
                try {
                    SocketChannel c = s.accept();
                    Thread.ofPlatform().daemon().start(() -> {
                        CpuPin.current(cpu);
                        try (c) {
                            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                            InputStream in = c.socket().getInputStream();
                            OutputStream out = c.socket().getOutputStream();
                            int b;
                            while ((b = in.read()) >= 0) out.write(b);
                        } catch (IOException ignored) {
                            // client gone
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    /**
     * The new-connections server: one connection at a time on the accepting thread (the client opens them one
     * after another), so a connection costs the kernel's handshake and the datapath, not a thread's start.
     */
    private static Thread answerEachInTurn(ServerSocketChannel s) {
        return Thread.ofPlatform().daemon().start(() -> {
            while (s.isOpen()) {
                try (SocketChannel c = s.accept()) {
                    c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    int b = c.socket().getInputStream().read();
                    if (b >= 0) c.socket().getOutputStream().write(b);
                } catch (IOException e) {
                    if (!s.isOpen()) return;
                    // that client went away mid-exchange; the next one is measured
                }
            }
        });
    }

    Sample sample(Pod client, Pod server) throws Exception {
        return new Sample(iperf(client, server), requestResponse(client, server), connections(client, server));
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private double iperf(Pod client, Pod server) throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "exec", client.netns(), "iperf3", "-c", server.ipv4().getHostAddress(), "-p",
                String.valueOf(DatapathBenchmark.IPERF), "-t", String.valueOf(seconds), "-J").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(seconds + 30L, TimeUnit.SECONDS);
        Matcher m = RECEIVED.matcher(out);
        if (!m.find()) throw new IllegalStateException("iperf3 gave no throughput: " + out.substring(0, Math.min(2000, out.length())));
        return Double.parseDouble(m.group(1)) / 1e9;
    }

    /** Round trips of one byte on one connection, per second, client and echo thread on one CPU. */
    private double requestResponse(Pod client, Pod server) throws Exception {
        java.util.concurrent.FutureTask<Double> t = new java.util.concurrent.FutureTask<>(() -> {
            CpuPin.current(CpuPin.RR_CPU);
            return roundTrips(client, server);
        });
        Thread.ofPlatform().name("rr-client").start(t);
        try {
            return t.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception x) throw x;
            throw e;
        }
    }

    private double roundTrips(Pod client, Pod server) throws IOException {
        SocketChannel c = Traffic.connect(client, server.ipv4(), DatapathBenchmark.RR, java.time.Duration.ofSeconds(2));
        if (c == null) throw new IllegalStateException("request/response connection refused");
        try (c) {
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            InputStream in = c.socket().getInputStream();
            OutputStream out = c.socket().getOutputStream();
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            long n = 0;
            long start = System.nanoTime();
            while (System.nanoTime() < end) {
                out.write(1);
                if (in.read() < 0) throw new IOException("server closed");
                n++;
            }
            return n / ((System.nanoTime() - start) / 1e9);
        }
    }

    /**
     * Connections opened, used for one byte each way and closed, per second: from a thread that lives in the
     * client's namespace, so no namespace switch per socket is measured.
     */
    private double connections(Pod client, Pod server) {
        InetSocketAddress to = new InetSocketAddress(server.ipv4(), DatapathBenchmark.CRR);
        return NetworkNamespace.call(client.netns(), () -> {
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            long n = 0;
            long start = System.nanoTime();
            while (System.nanoTime() < end) {
                try (SocketChannel c = SocketChannel.open()) {
                    c.setOption(StandardSocketOptions.SO_LINGER, 0);
                    c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    c.connect(to);
                    c.socket().getOutputStream().write(1);
                    if (c.socket().getInputStream().read() < 0) throw new IOException("server closed");
                }
                n++;
            }
            return n / ((System.nanoTime() - start) / 1e9);
        });
    }
}
