package dev.ward.agent.encryption.kernel;

import dev.ward.netlink.NetworkNamespace;
import dev.ward.testbed.IpCommand;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Namespaces wired as a small cluster for kernel tests: an underlay bridge, nodes on it (each routing its own
 * pod namespace), and plain UDP and tcpdump to look at the traffic. Wiring uses iproute2, like an operator would.
 */
final class UnderlayLab {
    private final String bridgeNs;
    private final List<String> namespaces = new ArrayList<>();

    UnderlayLab(String bridgeNs) {
        this.bridgeNs = bridgeNs;
        namespace(bridgeNs);
        IpCommand.run("-n", bridgeNs, "link", "add", "k4-br", "type", "bridge");
        IpCommand.run("-n", bridgeNs, "link", "set", "k4-br", "up");
    }

    private void namespace(String ns) {
        if (NetworkNamespace.exists(ns)) {
            IpCommand.run("netns", "del", ns);
        }
        IpCommand.run("netns", "add", ns);
        IpCommand.run("-n", ns, "link", "set", "lo", "up");
        namespaces.add(ns);
    }

    /** A host on the underlay bridge: interface {@code <ns>u} with the address (a /24). */
    void host(String ns, String address) {
        namespace(ns);
        String dev = ns + "u";
        IpCommand.run("link", "add", dev, "netns", ns, "type", "veth", "peer", "name", ns + "b", "netns", bridgeNs);
        IpCommand.run("-n", bridgeNs, "link", "set", ns + "b", "master", "k4-br", "up");
        IpCommand.run("-n", ns, "addr", "add", address + "/24", "dev", dev);
        IpCommand.run("-n", ns, "link", "set", dev, "up");
    }

    /** A pod namespace behind {@code node}: {@code podAddress} in {@code /24} with the node as gateway ({@code .1}). */
    void pod(String node, String pod, String podAddress) {
        namespace(pod);
        String gateway = podAddress.substring(0, podAddress.lastIndexOf('.')) + ".1";
        IpCommand.run("link", "add", pod + "e", "netns", pod, "type", "veth", "peer", "name", pod + "h", "netns", node);
        IpCommand.run("-n", pod, "addr", "add", podAddress + "/24", "dev", pod + "e");
        IpCommand.run("-n", pod, "link", "set", pod + "e", "up");
        IpCommand.run("-n", pod, "route", "add", "default", "via", gateway);
        IpCommand.run("-n", node, "addr", "add", gateway + "/24", "dev", pod + "h");
        IpCommand.run("-n", node, "link", "set", pod + "h", "up");
        IpCommand.run("netns", "exec", node, "sysctl", "-qw", "net.ipv4.ip_forward=1");
    }

    static void route(String ns, String prefix, String via) {
        IpCommand.run("-n", ns, "route", "add", prefix, "via", via);
    }

    void close() {
        for (String ns : namespaces.reversed()) {
            if (NetworkNamespace.exists(ns)) {
                IpCommand.run("netns", "del", ns);
            }
        }
    }

    static InetAddress ip(String literal) {
        return InetAddress.ofLiteral(literal);
    }

    /** A UDP socket bound in {@code ns}, so it lives there whichever thread uses it. */
    static DatagramSocket socket(String ns, InetAddress address, int port) {
        return NetworkNamespace.call(ns, () -> {
            DatagramSocket s = new DatagramSocket(new InetSocketAddress(address, port));
            s.setSoTimeout(200);
            return s;
        });
    }

    static void send(DatagramSocket from, InetAddress to, int port, String payload) throws IOException {
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        from.send(new DatagramPacket(bytes, bytes.length, to, port));
    }

    /** Every datagram arriving until {@code quiet} passes without one. */
    static List<String> drain(DatagramSocket socket, Duration quiet) throws IOException {
        List<String> got = new ArrayList<>();
        long deadline = System.nanoTime() + quiet.toNanos();
        byte[] buffer = new byte[2048];
        while (System.nanoTime() < deadline) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
                got.add(new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8));
                deadline = System.nanoTime() + quiet.toNanos();
            } catch (SocketTimeoutException none) {
                // keep waiting until quiet
            }
        }
        return got;
    }

    /** tcpdump on one interface, writing to a file until stopped; {@link #stop} returns its decoded lines. */
    static final class Capture {
        private final Process process;
        private final Path file;

        Capture(String ns, String device) throws IOException {
            file = Files.createTempFile("k4-capture", ".pcap");
            process = new ProcessBuilder("ip", "netns", "exec", ns, "tcpdump", "-i", device, "-n", "-U", "-w", file.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = err.readLine()) != null && !line.contains("listening on")) {
                // tcpdump announces on stderr when it captures
            }
            if (line == null) {
                throw new IOException("tcpdump on " + device + " in " + ns + " did not start");
            }
        }

        List<String> stop() throws IOException, InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            Process read = new ProcessBuilder("tcpdump", "-n", "-r", file.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String text = new String(read.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            read.waitFor(30, TimeUnit.SECONDS);
            Files.deleteIfExists(file);
            return text.lines().toList();
        }
    }
}
