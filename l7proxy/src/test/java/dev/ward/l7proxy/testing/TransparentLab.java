package dev.ward.l7proxy.testing;

import dev.ward.netlink.NetworkNamespace;
import dev.ward.netlink.sys.LinuxSyscalls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pods, a node and a server host as network namespaces on this kernel, with the node redirecting every TCP
 * connection from its pods to the proxy through nftables TPROXY, as the BPF datapath will with bpf_sk_assign:
 * the packets keep their addresses, the proxy's transparent listener accepts them, and replies to the proxy's
 * transparent upstream sockets are routed to them by a mark and a local route. Names are unique per run; the
 * namespaces (and everything in them) go away on close.
 *
 * <pre>
 *   pod netns (10.77.1.x/32) --veth-- node netns: TPROXY -> L7 proxy --veth-- server netns (10.77.2.2/32)
 * </pre>
 */
public final class TransparentLab implements AutoCloseable {
    public static final String SERVER_IP = "10.77.2.2";
    private static final String NODE_GW = "10.77.0.1";
    private static final int MARK = 0x77;
    /** The SO_MARK the tests give the proxy's upstream sockets; the node counts packets leaving with it. */
    public static final int UPSTREAM_MARK = 0xa00;
    private static final AtomicInteger SEQ = new AtomicInteger();

    private final String prefix;
    private final String node;
    private final String server;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final List<Integer> openFds = new ArrayList<>();
    private int pods;

    private TransparentLab() {
        prefix = "wl7-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet() + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        node = prefix + "-node";
        server = prefix + "-srv";
    }

    /** The node and server namespaces, linked; pods come with {@link #addPod}. */
    public static TransparentLab create() {
        TransparentLab lab = new TransparentLab();
        try {
            lab.build();
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    private void build() {
        namespace(node);
        namespace(server);
        sh("ip", "-n", node, "link", "add", "ws0", "type", "veth", "peer", "name", "eth0", "netns", server);
        sh("ip", "-n", node, "addr", "add", NODE_GW + "/32", "dev", "ws0");
        sh("ip", "-n", node, "link", "set", "ws0", "up");
        sh("ip", "-n", node, "route", "add", SERVER_IP + "/32", "dev", "ws0");
        hostSide(server, SERVER_IP);
        for (String s : List.of("net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0")) {
            sh("ip", "netns", "exec", node, "sysctl", "-q", "-w", s);
        }
        // Replies to the proxy's upstream sockets (bound to pod addresses) are delivered locally, not forwarded.
        sh("ip", "-n", node, "rule", "add", "fwmark", "0x" + Integer.toHexString(MARK), "lookup", "100");
        sh("ip", "-n", node, "route", "add", "local", "0.0.0.0/0", "dev", "lo", "table", "100");
    }

    /** A pod namespace with one address, routed through the node. Returns the namespace name. */
    public String addPod(String ip) {
        int n = pods++;
        String ns = prefix + "-p" + n;
        namespace(ns);
        String veth = "wp" + n;
        sh("ip", "-n", node, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns);
        sh("ip", "-n", node, "addr", "add", NODE_GW + "/32", "dev", veth);
        sh("ip", "-n", node, "link", "set", veth, "up");
        sh("ip", "-n", node, "route", "add", ip + "/32", "dev", veth);
        hostSide(ns, ip);
        return ns;
    }

    /** Every TCP connection from a pod goes to the proxy listening on {@code proxyPort} in the node namespace. */
    public void redirectPodsTo(int proxyPort) {
        String rules = """
                table ip ward_l7_test {
                  chain prerouting {
                    type filter hook prerouting priority mangle; policy accept;
                    meta l4proto tcp socket transparent 1 meta mark set %1$d accept
                    iifname "wp*" meta l4proto tcp tproxy to :%2$d meta mark set %1$d accept
                  }
                  chain output {
                    type filter hook output priority mangle; policy accept;
                    meta mark %3$d counter
                  }
                }
                """.formatted(MARK, proxyPort, UPSTREAM_MARK);
        run(List.of("ip", "netns", "exec", node, "nft", "-f", "-"), rules, 30);
    }

    /**
     * An address routed from the node to the server namespace, where every packet to it is dropped and counted: a
     * destination that never answers a SYN (no RST, no ICMP), as a host that went away without its routes.
     */
    public void blackhole(String ip) {
        // Through the server host as a gateway, so the node resolves a neighbour and the SYNs really leave.
        sh("ip", "-n", node, "route", "add", ip + "/32", "via", SERVER_IP, "dev", "ws0", "onlink");
        run(List.of("ip", "netns", "exec", server, "nft", "-f", "-"), """
                table ip ward_l7_blackhole {
                  chain prerouting {
                    type filter hook prerouting priority raw; policy accept;
                    ip daddr %s counter drop
                  }
                }
                """.formatted(ip), 30);
    }

    /** Packets dropped on their way to the {@link #blackhole} address. */
    public long blackholedPackets() {
        return counted(server, "ward_l7_blackhole", "prerouting");
    }

    /** Stops redirecting: pod connections reach their destinations directly (a benchmark's baseline). */
    public void stopRedirecting() {
        exec(node, "nft", "delete", "table", "ip", "ward_l7_test");
    }

    /** The node's own address on every pod link: where a proxy listening in the node is reached directly. */
    public static String nodeAddress() {
        return NODE_GW;
    }

    /** Packets the node sent with {@link #UPSTREAM_MARK}: those of the proxy's upstream sockets. */
    public long upstreamMarkedPackets() {
        return counted(node, "ward_l7_test", "output");
    }

    /** The packets of the first nft counter in {@code table}'s {@code chain} in {@code namespace}. */
    private long counted(String namespace, String table, String chain) {
        Exec e = exec(namespace, "nft", "list", "chain", "ip", table, chain);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("counter packets (\\d+)").matcher(e.output());
        if (!m.find()) throw new IllegalStateException("no counter in " + table + " " + chain + ": " + e.output());
        return Long.parseLong(m.group(1));
    }

    public String nodeNamespace() {
        return node;
    }

    public String serverNamespace() {
        return server;
    }

    /** Threads that live in the node namespace: the proxy's event loops, so its sockets are created there. */
    public ThreadFactory nodeThreads() {
        int fd = NetworkNamespace.openFd(node);
        synchronized (openFds) {
            openFds.add(fd);
        }
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(() -> {
                LinuxSyscalls.setns(fd, LinuxSyscalls.CLONE_NEWNET);
                r.run();
            }, "ward-l7-node-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Starts {@code command} in the server namespace; it is killed on close. Output goes to {@code log}. */
    public Process startInServer(List<String> command, Path log) {
        return start(server, command, log);
    }

    public Process startInNode(List<String> command, Path log) {
        return start(node, command, log);
    }

    public Process start(String namespace, List<String> command, Path log) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        cmd.addAll(command);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            synchronized (processes) {
                processes.add(p);
            }
            return p;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + cmd + ": " + e.getMessage(), e);
        }
    }

    /** Runs a command in {@code namespace} and returns its exit code and output. */
    public Exec exec(String namespace, String... command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        cmd.addAll(List.of(command));
        return run(cmd, null, 120);
    }

    /** Runs {@code work} on a thread inside {@code namespace}; threads it starts stay there too. */
    public <T> T callIn(String namespace, Callable<T> work) {
        return NetworkNamespace.call(namespace, work);
    }

    public record Exec(int exitCode, String output) {}

    @Override
    public void close() {
        synchronized (processes) {
            for (Process p : processes) {
                p.descendants().forEach(ProcessHandle::destroy);
                p.destroy();
            }
            for (Process p : processes) {
                try {
                    if (!p.waitFor(10, TimeUnit.SECONDS)) {
                        p.descendants().forEach(ProcessHandle::destroyForcibly);
                        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        synchronized (openFds) {
            for (int fd : openFds) LinuxSyscalls.close(fd);
            openFds.clear();
        }
        for (String ns : namespaces.reversed()) {
            try {
                NetworkNamespace.delete(ns);
            } catch (RuntimeException ignored) {
                // best effort: a namespace already gone is what we wanted
            }
        }
    }

    private void namespace(String name) {
        NetworkNamespace.create(name);
        namespaces.add(name);
        sh("ip", "-n", name, "link", "set", "lo", "up");
    }

    private void hostSide(String ns, String ip) {
        sh("ip", "-n", ns, "addr", "add", ip + "/32", "dev", "eth0");
        sh("ip", "-n", ns, "link", "set", "eth0", "up");
        sh("ip", "-n", ns, "route", "add", NODE_GW, "dev", "eth0");
        sh("ip", "-n", ns, "route", "add", "default", "via", NODE_GW, "dev", "eth0");
    }

    private static void sh(String... cmd) {
        Exec e = run(List.of(cmd), null, 30);
        if (e.exitCode() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed: " + e.output());
    }

    private static Exec run(List<String> cmd, String stdin, int timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (stdin != null) p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " timed out");
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (stdin != null && p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + text);
            }
            return new Exec(p.exitValue(), text);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
