package dev.ward.lab;

import dev.ward.agent.encryption.Cidr;
import dev.ward.agent.encryption.Dataplane;
import dev.ward.agent.encryption.DataplaneDiff;
import dev.ward.agent.encryption.DataplanePolicy;
import dev.ward.agent.encryption.EncryptionPolicies;
import dev.ward.agent.encryption.EncryptionSettings;
import dev.ward.agent.encryption.EpochKeyPair;
import dev.ward.agent.encryption.EpochPublicKey;
import dev.ward.agent.encryption.EspCipher;
import dev.ward.agent.encryption.InboundSpiAllocator;
import dev.ward.agent.encryption.KernelSa;
import dev.ward.agent.encryption.LocalNode;
import dev.ward.agent.encryption.PairKeys;
import dev.ward.agent.encryption.PeerKeyDeriver;
import dev.ward.agent.encryption.PeerSaId;
import dev.ward.agent.encryption.PeerSa;
import dev.ward.agent.encryption.Spi;
import dev.ward.agent.encryption.TunnelEndpoints;
import dev.ward.agent.encryption.kernel.SaParameters;
import dev.ward.agent.encryption.kernel.XfrmDataplaneKernel;
import dev.ward.agent.encryption.kernel.XfrmMapping;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.testbed.GuestRun;
import dev.ward.testbed.IpCommand;
import dev.ward.testbed.UserModeLinux;
import dev.ward.xfrm.EspAlgorithm;
import dev.ward.xfrm.KernelEspSupport;
import dev.ward.xfrm.Lifetime;
import dev.ward.xfrm.PolicyAction;
import dev.ward.xfrm.PolicyTemplate;
import dev.ward.xfrm.XfrmPolicy;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * bench/encryption (a): one node computes the keys for 1,000 peers (X25519 + HKDF through the encryption core)
 * and programs them (an inbound and an outbound SA and three policies per peer, plus the node's own policies)
 * through {@link XfrmDataplaneKernel}; then {@code ip -batch} programs the same SAs and policies, precomputed,
 * into another namespace of the same kernel in the same run. Both results are read back and must be equal.
 * SAs need ESP, so on a host without it the comparison runs in a user-mode Linux guest.
 *
 * <p>Arguments: {@code [WORK_DIR [PEERS]]} from the host (default {@code lab-out/bench}, 1000), or
 * {@code guest REPORT PEERS} inside a kernel with ESP (what the host mode boots).
 */
public final class PeerProgrammingBenchmark {
    static final int DEFAULT_PEERS = 1000;
    private static final String NS_WARD = "ward-bench-pw", NS_IP = "ward-bench-pi", NS_WARM = "ward-bench-pwarm";
    private static final EncryptionSettings SETTINGS = new EncryptionSettings(EspCipher.AES_128_GCM,
            List.of(Cidr.parse("100.64.0.0/10")), Duration.ofSeconds(30));
    private static final InetAddress LOCAL_UNDERLAY = address("172.31.0.1");
    private static final LocalNode LOCAL = new LocalNode("bench-0", List.of(LOCAL_UNDERLAY), List.of(Cidr.parse("100.64.0.0/24")));

    /** A peer as its announcement would describe it; its key pair is generated before timing starts. */
    private record Peer(String name, InetAddress underlay, Cidr podCidr, EpochPublicKey key) {
    }

    record Result(int peers, int sas, int policies, double wardKeysMicros, double wardProgramMicros, double ipMicros) {
    }

    static List<Peer> peers(int count) {
        List<Peer> out = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            out.add(new Peer("bench-" + i, address("172.31." + (i / 250 + 1) + "." + (i % 250 + 1)),
                    Cidr.parse("100." + (64 + i / 256) + "." + (i % 256) + ".0/24"), EpochKeyPair.generate(1).publicKey()));
        }
        return out;
    }

    /** What the agent computes for its peers: per peer both SA keys, an inbound SPI, and the peer's policies. */
    static Dataplane compute(EpochKeyPair local, List<Peer> peers) {
        PeerKeyDeriver deriver = new PeerKeyDeriver(SETTINGS.cipher());
        InboundSpiAllocator spis = new InboundSpiAllocator(LOCAL.name());
        EncryptionPolicies policies = new EncryptionPolicies(LOCAL, SETTINGS);
        Set<PeerSa> sas = new HashSet<>();
        Set<DataplanePolicy> all = new LinkedHashSet<>(policies.node());
        for (Peer peer : peers) {
            PairKeys keys = deriver.derive(LOCAL.name(), local, peer.name(), peer.key());
            TunnelEndpoints tunnel = new TunnelEndpoints(LOCAL_UNDERLAY, peer.underlay());
            PeerSaId in = new PeerSaId(peer.name(), 1, LOCAL.name(), 1);
            PeerSaId out = new PeerSaId(LOCAL.name(), 1, peer.name(), 1);
            // The outbound SPI is the peer's to allocate; its first choice stands in for its acknowledgement.
            Spi outSpi = InboundSpiAllocator.preferred(out);
            sas.add(new PeerSa(in, spis.allocate(in), peer.underlay(), LOCAL_UNDERLAY, keys.inbound()));
            sas.add(new PeerSa(out, outSpi, LOCAL_UNDERLAY, peer.underlay(), keys.outbound()));
            all.addAll(policies.inboundFrom(List.of(peer.podCidr()), tunnel));
            all.addAll(policies.outboundTo(List.of(peer.podCidr()), tunnel, outSpi));
        }
        return new Dataplane(sas, all);
    }

    Result compare(int count) throws Exception {
        List<Peer> peers = peers(count);
        EpochKeyPair local = EpochKeyPair.generate(1);
        warmUp(local, peers.subList(0, Math.min(200, count)));
        fresh(NS_WARD);
        fresh(NS_IP);
        try (XfrmDataplaneKernel ward = XfrmDataplaneKernel.open(NS_WARD, null, event -> { })) {
            long start = System.nanoTime();
            Dataplane desired = compute(local, peers);
            long computed = System.nanoTime();
            ward.apply(DataplaneDiff.between(desired, ward.installedSas(), ward.installedPolicies()));
            long programmed = System.nanoTime();

            Path batch = batchFile(desired);
            long ipStart = System.nanoTime();
            IpCommand.run("-n", NS_IP, "-batch", batch.toString());
            long ipDone = System.nanoTime();

            try (XfrmDataplaneKernel byIp = XfrmDataplaneKernel.open(NS_IP, null, event -> { })) {
                requireSame(desired, ward, "Ward");
                requireSame(desired, byIp, "ip -batch");
            }
            return new Result(count, desired.sas().size(), desired.policies().size(), (computed - start) / 1e3 / count,
                    (programmed - computed) / 1e3 / count, (ipDone - ipStart) / 1e3 / count);
        } finally {
            for (String ns : List.of(NS_WARD, NS_IP)) if (NetworkNamespace.exists(ns)) NetworkNamespace.delete(ns);
        }
    }

    /** One unmeasured round, so class loading and the first JIT pass are not billed to the measured one. */
    private static void warmUp(EpochKeyPair local, List<Peer> peers) {
        fresh(NS_WARM);
        try (XfrmDataplaneKernel kernel = XfrmDataplaneKernel.open(NS_WARM, null, event -> { })) {
            kernel.apply(DataplaneDiff.between(compute(local, peers), kernel.installedSas(), kernel.installedPolicies()));
        } finally {
            NetworkNamespace.delete(NS_WARM);
        }
    }

    private static void requireSame(Dataplane desired, XfrmDataplaneKernel kernel, String who) {
        Set<KernelSa> wanted = new HashSet<>();
        desired.sas().forEach(sa -> wanted.add(sa.installed()));
        if (!wanted.equals(Set.copyOf(kernel.installedSas())) || !desired.policies().equals(Set.copyOf(kernel.installedPolicies()))) {
            throw new IllegalStateException(who + " did not install exactly the computed SAs and policies");
        }
    }

    /** The same SAs and policies, as Ward maps them, in iproute2's words. */
    private static Path batchFile(Dataplane desired) throws IOException {
        List<String> lines = new ArrayList<>();
        for (PeerSa sa : desired.sas()) {
            lines.add(ipAdd(XfrmMapping.toKernel(sa.installed(), SaParameters.DEFAULT, null)));
        }
        for (DataplanePolicy policy : desired.policies()) {
            lines.add(ipAdd(XfrmMapping.toKernel(policy)));
        }
        Path file = Files.createTempFile("ward-bench-peers", ".batch");
        file.toFile().deleteOnExit();
        Files.write(file, lines);
        return file;
    }

    private static String ipAdd(dev.ward.xfrm.SecurityAssociation sa) {
        EspAlgorithm.Aead aead = (EspAlgorithm.Aead) sa.algorithm();
        Lifetime l = sa.lifetime();
        return "xfrm state add src " + sa.source().getHostAddress() + " dst " + sa.destination().getHostAddress()
                + " proto esp spi " + Integer.toUnsignedString(sa.spi()) + " reqid " + sa.reqid() + " mode tunnel replay-window "
                + sa.replay().window() + " flag esn aead " + aead.name() + " 0x" + HexFormat.of().formatHex(aead.key()) + " "
                + aead.icvBits() + " limit packet-soft " + l.softPackets() + " limit packet-hard " + l.hardPackets()
                + " limit byte-soft " + l.softBytes() + " limit byte-hard " + l.hardBytes();
    }

    private static String ipAdd(XfrmPolicy p) {
        StringBuilder s = new StringBuilder("xfrm policy add src ").append(p.selector().source()).append(" dst ")
                .append(p.selector().destination()).append(" dir ").append(p.direction().label()).append(" priority ")
                .append(p.priority()).append(" action ").append(p.action() == PolicyAction.BLOCK ? "block" : "allow");
        for (PolicyTemplate t : p.templates()) {
            s.append(" tmpl src ").append(t.source().getHostAddress()).append(" dst ").append(t.destination().getHostAddress())
                    .append(" proto esp").append(t.spi() == 0 ? "" : " spi " + Integer.toUnsignedString(t.spi()))
                    .append(" reqid ").append(t.reqid()).append(" mode tunnel level required");
        }
        return s.toString();
    }

    static void print(PrintStream out, Result r, String where) {
        out.printf("peer-programming: %d peers (%d SAs, %d policies: 2 SAs + 3 policies per peer, 6 node policies), %s%n",
                r.peers(), r.sas(), r.policies(), where);
        out.printf("%-44s %12s%n", "", "us/peer");
        out.printf("%-44s %12.1f%n", "ward: compute keys (X25519+HKDF), SPIs, policies", r.wardKeysMicros());
        out.printf("%-44s %12.1f%n", "ward: program through XfrmDataplaneKernel", r.wardProgramMicros());
        out.printf("%-44s %12.1f%n", "ward: total", r.wardKeysMicros() + r.wardProgramMicros());
        out.printf("%-44s %12.1f%n", "ip -batch: program (keys precomputed)", r.ipMicros());
        out.printf("ratio ip -batch / ward programming: %.2fx; ip -batch / ward total incl. keys: %.2fx%n",
                r.ipMicros() / r.wardProgramMicros(), r.ipMicros() / (r.wardKeysMicros() + r.wardProgramMicros()));
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("guest")) {
            int count = args.length > 2 ? Integer.parseInt(args[2]) : DEFAULT_PEERS;
            try (PrintStream report = new PrintStream(Files.newOutputStream(Path.of(args[1])), true, StandardCharsets.UTF_8)) {
                print(report, new PeerProgrammingBenchmark().compare(count),
                        "kernel " + System.getProperty("os.version") + " (user-mode Linux guest, 1 CPU)");
            }
            return;
        }
        Path work = Path.of(args.length > 0 ? args[0] : "lab-out/bench").toAbsolutePath();
        int count = args.length > 1 ? Integer.parseInt(args[1]) : DEFAULT_PEERS;
        if (count < 1 || count > 5_000) {
            throw new IllegalArgumentException("peers must be 1..5000 (ip -batch gets 30 s), got " + count);
        }
        KernelEspSupport host = KernelEspSupport.ofRunningKernel();
        if (host.sufficient()) {
            print(System.out, new PeerProgrammingBenchmark().compare(count), "host kernel " + System.getProperty("os.version"));
            return;
        }
        System.out.println("host " + host.describe() + ": running the peer-programming comparison in user-mode Linux");
        Files.createDirectories(work);
        Path report = work.resolve("peer-programming.txt");
        Files.deleteIfExists(report);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cmd = String.join(" ", List.of(java, "-XX:+UseSerialGC", "-Xmx1g", "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED",
                "-Djava.io.tmpdir=" + UserModeLinux.guestTmpDir(work), "-cp", "'" + System.getProperty("java.class.path") + "'",
                PeerProgrammingBenchmark.class.getName(), "guest", report.toString(), String.valueOf(count)));
        GuestRun run = new UserModeLinux("ward-bench-peers", work, 2048, Duration.ofMinutes(20)).run(List.of(cmd));
        if (!run.succeeded() || !Files.exists(report)) {
            throw new IllegalStateException("the benchmark failed in the guest (exit " + run.exitCode() + "); console: " + run.consoleLog());
        }
        Files.readAllLines(report).forEach(System.out::println);
    }

    // ---- plumbing

    private static InetAddress address(String literal) {
        return InetAddress.ofLiteral(literal);
    }

    private static void fresh(String ns) {
        if (NetworkNamespace.exists(ns)) NetworkNamespace.delete(ns);
        NetworkNamespace.create(ns);
    }
}
