package dev.ward.bpf.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The peer: the same (source address, port) allows in nftables on the node's forward hook for packets towards
 * the server's veth, as iptables/nftables based plugins filter, either as one rule per pair in a linear chain
 * or as one rule matching a hashed set of pairs. The rules are stateless (no "ct state established accept"
 * before them), so every packet to the server is evaluated: that is what gives nftables Ward's semantics, a
 * removed allow cutting established flows at once. (Ward gets them by judging a flow again after every policy
 * write, not on every packet.)
 */
final class Nftables implements AutoCloseable {
    record Pair(InetAddress address, int port) {}

    private static final String TABLE = "wbench";
    private static final java.util.Set<String> LOADED = new java.util.HashSet<>();
    private final String netns;

    private Nftables(String netns) {
        this.netns = netns;
    }

    static Nftables linear(String netns, String serverVeth, List<Pair> pairs) throws IOException {
        StringBuilder sb = header(serverVeth);
        sb.append("  chain server_in {\n");
        for (Pair p : pairs) {
            sb.append("    ip saddr ").append(p.address().getHostAddress()).append(" tcp dport ").append(p.port()).append(" accept\n");
        }
        sb.append("    drop\n  }\n}\n");
        return load(netns, sb, pairs.size() + " rules in one chain");
    }

    static Nftables set(String netns, String serverVeth, List<Pair> pairs) throws IOException {
        StringBuilder sb = header(serverVeth);
        sb.append("  set allowed {\n    type ipv4_addr . inet_service\n    size ").append(pairs.size() + 1024).append("\n    elements = { ");
        for (int i = 0; i < pairs.size(); i++) {
            if (i > 0) sb.append(", ");
            sb.append(pairs.get(i).address().getHostAddress()).append(" . ").append(pairs.get(i).port());
        }
        sb.append(" }\n  }\n  chain server_in {\n    ip saddr . tcp dport @allowed accept\n    drop\n  }\n}\n");
        return load(netns, sb, pairs.size() + " elements in one set");
    }

    private static StringBuilder header(String serverVeth) {
        return new StringBuilder("table ip " + TABLE + " {\n  chain forward {\n    type filter hook forward priority 0; policy accept;\n"
                + "    oifname \"" + serverVeth + "\" jump server_in\n  }\n");
    }

    private static Nftables load(String netns, StringBuilder ruleset, String what) throws IOException {
        Path f = Files.createTempFile("wbench-nft", ".nft");
        try {
            Files.writeString(f, ruleset.toString(), StandardCharsets.UTF_8);
            long t0 = System.nanoTime();
            run(netns, "-f", f.toString());
            if (!LOADED.contains(what)) {
                LOADED.add(what);
                System.out.printf(java.util.Locale.ROOT, "  nft: %s loaded in %.0f ms%n", what, (System.nanoTime() - t0) / 1e6);
            }
        } finally {
            Files.deleteIfExists(f);
        }
        return new Nftables(netns);
    }

    private static void run(String netns, String... args) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of("ip", "netns", "exec", netns, "nft"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("nft " + String.join(" ", args) + " failed: " + out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        run(netns, "delete", "table", "ip", TABLE);
    }
}
