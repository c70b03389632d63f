package dev.ward.dnsproxy.testing;

import dev.ward.testbed.Cmd;
import dev.ward.netlink.NetworkNamespace;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * pod netns -> node netns -> dns netns, as on a node: pods route through the node, which forwards to a DNS server.
 * In the node, nftables TPROXY sends the pods' port-53 traffic (UDP and TCP, any server address) to the proxy port
 * (the BPF redirect replaces these rules later). Names are unique per run; addresses are private to the namespaces.
 *
 * <pre>
 *   pod  10.77.1.2, 10.77.1.3 (two endpoints) --- 10.77.1.1 node 10.77.2.1 --- 10.77.2.2 unbound, 10.77.2.3 spare
 * </pre>
 */
public final class NetnsTopology implements AutoCloseable {
    public static final String POD_A = "10.77.1.2";
    public static final String POD_B = "10.77.1.3";
    public static final String DNS = "10.77.2.2";
    public static final String SPARE = "10.77.2.3";

    public final String pod;
    public final String node;
    public final String dns;

    private NetnsTopology(String id) {
        pod = "wd" + id + "p";
        node = "wd" + id + "n";
        dns = "wd" + id + "s";
    }

    /** Builds the namespaces; {@link #redirect} then points port 53 at the proxy. */
    public static NetnsTopology create() {
        String id = Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36 * 36, 36 * 36 * 36 * 36 * 36), 36);
        NetnsTopology t = new NetnsTopology(id);
        try {
            t.build();
        } catch (RuntimeException | AssertionError e) {
            t.close();
            throw e;
        }
        return t;
    }

    private void build() {
        for (String ns : List.of(pod, node, dns)) {
            NetworkNamespace.create(ns);
            Cmd.inNetns(ns, "ip", "link", "set", "lo", "up");
        }
        Cmd.inNetns(pod, "ip", "link", "add", "vp", "type", "veth", "peer", "name", "vn", "netns", node);
        Cmd.inNetns(dns, "ip", "link", "add", "vs", "type", "veth", "peer", "name", "vd", "netns", node);
        Cmd.inNetns(pod, "ip", "addr", "add", POD_A + "/24", "dev", "vp");
        Cmd.inNetns(pod, "ip", "addr", "add", POD_B + "/24", "dev", "vp");
        Cmd.inNetns(pod, "ip", "link", "set", "vp", "up");
        Cmd.inNetns(pod, "ip", "route", "add", "default", "via", "10.77.1.1");
        Cmd.inNetns(node, "ip", "addr", "add", "10.77.1.1/24", "dev", "vn");
        Cmd.inNetns(node, "ip", "addr", "add", "10.77.2.1/24", "dev", "vd");
        Cmd.inNetns(node, "ip", "link", "set", "vn", "up");
        Cmd.inNetns(node, "ip", "link", "set", "vd", "up");
        Cmd.inNetns(node, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        Cmd.inNetns(dns, "ip", "addr", "add", DNS + "/24", "dev", "vs");
        Cmd.inNetns(dns, "ip", "addr", "add", SPARE + "/24", "dev", "vs");
        Cmd.inNetns(dns, "ip", "link", "set", "vs", "up");
        Cmd.inNetns(dns, "ip", "route", "add", "default", "via", "10.77.2.1");
        // TPROXY only marks and assigns the socket; the mark makes the packet local instead of forwarded.
        Cmd.inNetns(node, "ip", "rule", "add", "fwmark", "0x1", "lookup", "100");
        Cmd.inNetns(node, "ip", "route", "add", "local", "0.0.0.0/0", "dev", "lo", "table", "100");
    }

    /**
     * Points the pods' DNS at {@code proxyPort} and, while nothing listens there, at {@code standbyPort}: nft's tproxy
     * finds no socket on the first port and the rule does not match, so the next one is tried. That is what the BPF
     * datapath's standby-port fallback does (ward_proxy_standby), which this topology's TPROXY stands in for.
     */
    public void redirect(int proxyPort, int standbyPort) {
        Cmd.withInput("flush ruleset\n" + """
                table inet ward_dns {
                  chain prerouting {
                    type filter hook prerouting priority mangle;
                    iifname "vn" meta l4proto udp udp dport 53 tproxy ip to :%1$d meta mark set 0x1 accept
                    iifname "vn" meta l4proto tcp tcp dport 53 tproxy ip to :%1$d meta mark set 0x1 accept
                    iifname "vn" meta l4proto udp udp dport 53 tproxy ip to :%2$d meta mark set 0x1 accept
                    iifname "vn" meta l4proto tcp tcp dport 53 tproxy ip to :%2$d meta mark set 0x1 accept
                    iifname "vn" meta l4proto { udp, tcp } th dport 53 drop
                  }
                }
                """.formatted(proxyPort, standbyPort), "ip", "netns", "exec", node, "nft", "-f", "-");
    }

    /** Points the pods' DNS at {@code proxyPort} (replacing any earlier rule set). */
    public void redirect(int proxyPort) {
        Cmd.withInput("flush ruleset\n" + """
                table inet ward_dns {
                  chain prerouting {
                    type filter hook prerouting priority mangle;
                    iifname "vn" meta l4proto udp udp dport 53 tproxy ip to :%d meta mark set 0x1 accept
                    iifname "vn" meta l4proto tcp tcp dport 53 tproxy ip to :%d meta mark set 0x1 accept
                  }
                }
                """.formatted(proxyPort, proxyPort), "ip", "netns", "exec", node, "nft", "-f", "-");
    }

    @Override
    public void close() {
        for (String ns : List.of(pod, node, dns)) {
            if (NetworkNamespace.exists(ns)) NetworkNamespace.delete(ns);
        }
    }
}
