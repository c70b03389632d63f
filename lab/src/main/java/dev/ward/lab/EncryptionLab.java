package dev.ward.lab;

import dev.ward.agent.encryption.EspTunnelMtu;
import dev.ward.agent.encryption.IpFamily;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code ward lab}: a three-node cluster in network namespaces on one underlay bridge, two pods per node, real
 * etcd, keyd and one agent process per node, and the scenarios that show transparent encryption works: pods
 * talk across nodes, the underlay carries only ESP, rotation and agent restarts lose nothing, a node that was
 * never attested gets nowhere, and a revoked node is cut off within 5 s. Runs where the kernel has ESP (inside
 * user-mode Linux otherwise, see {@link GuestLab}).
 */
public final class EncryptionLab {
    private final Path workDir;
    private final PrintStream out;
    private final LabReport report = new LabReport();
    private final LabEnvironment env;
    private final LabNetwork network;
    private final List<LabNetwork.Node> nodes;
    private final Set<Integer> only;
    /** The scenarios' numbers, besides cluster up (0), as {@code --only} names them. */
    public static final List<Integer> SCENARIOS = List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13);

    /** @param only the scenarios to run besides cluster up (0), which the others stand on; null: all */
    public EncryptionLab(String prefix, Path workDir, PrintStream out, Set<Integer> only) throws IOException {
        this.only = only;
        this.workDir = workDir.toAbsolutePath();
        this.out = out;
        this.env = new LabEnvironment(prefix, this.workDir);
        this.network = env.network();
        this.nodes = env.nodes();
    }

    /**
     * The scenarios in the order they run (revocation last: it cuts n3 off). A new scenario goes in here, with a number
     * of its own, before revocation; it finds the cluster, its pods (wired through the CNI plugins, labelled as in
     * {@link LabEnvironment#labels}) and its agents' API sockets in {@link #env}, and writes policies with
     * {@link LabEnvironment#policies}.
     */
    public LabReport run() {
        try (StarWars sw = new StarWars(env); L7Scenarios l7 = new L7Scenarios(env, workDir); DnsScenario dns = new DnsScenario(env, workDir)) {
            boolean up = ScenarioRun.run(report, out, "0 cluster up: etcd, keyd, 3 agents joined, pods wired by CNI, ESP between every pair", this::clusterUp);
            Path capture = workDir.resolve("underlay.pcap");
            String skipped = "not run: the cluster did not come up";
            boolean traffic = scenario(up, 1, "1 cross-node pod ping + TCP transfer, full-size DF, bulk TCP", skipped, s -> crossNode(s, capture));
            scenario(traffic, 2, "2 underlay capture sees only ESP between nodes", up ? "not run: scenario 1, whose traffic it captures, failed" : skipped,
                    s -> captureOnlyEsp(s, capture));
            scenario(up, 3, "3 keys rotate --all x3 during numbered streams: 0 lost", skipped, this::rotateUnderTraffic);
            scenario(up, 4, "4 never-attested 4th node: reaches no pod, unreachable", skipped, this::neverAttested);
            boolean rule1 = scenario(up, 7, "7 rule1 from the store: deathstar enforced from its first packet, allowed pass, denied dropped, counted and in wardctl monitor",
                    skipped, s -> StarWarsPolicyScenario.run(s, env, sw));
            scenario(rule1, 8, "8 policy added/removed under traffic: effect within 1 s, allowed flows lose nothing, a removed allow cuts",
                    up ? "not run: scenario 7, which creates the deathstar, failed" : skipped, s -> PolicyChangeScenario.run(s, env, sw));
            scenario(up, 6, "6 agent kill -9 + restart during traffic: 0 lost, denied stays denied, stale xfrm and BPF state cleaned", skipped,
                    s -> agentRestart(s, sw));
            scenario(up, 9, "9 L7 across nodes: Star Wars HTTP rule1 and the seed's memcached policy, allowed answered, denied get 403 / CLIENT_ERROR, wardctl monitor shows both",
                    skipped, l7::httpAndMemcached);
            scenario(up, 10, "10 L7 across nodes: Cilium's Kafka policy, produce and consume as allowed, denied topics get Kafka's authorization errors",
                    skipped, l7::kafka);
            scenario(up, 11, "11 L7 across nodes: the seed's Cassandra policy, the outpost's driver session and inserts allowed, other queries Unauthorized",
                    skipped, l7::cassandra);
            stopServers(l7, "the L7 scenarios' servers (Kafka, Cassandra, memcached, HTTP)");
            scenario(up, 12, "12 DNS: the seed's egress-domain-wildcard, kube-dns across nodes: allowed name reachable at once, others REFUSED, "
                    + "unresolved address dropped, TTL end closes, agent killed: the standalone proxy refuses, resolves and opens", skipped, dns::run);
            scenario(up, 13, "13 Kafka behind a DNS name: the seed's policy as printed, a broker outside the cluster found by name through the DNS proxy, "
                    + "produce and consume as allowed, the rest Kafka's authorization errors", skipped, dns::kafkaBehindName);
            stopServers(dns, "the DNS scenarios' servers (kube-dns, the outside host and its broker)");
            scenario(up, 5, "5 revoke a node: cut off both ways within 5 s, others keep talking", skipped, this::revoke);
        } catch (Exception e) {
            out.println("ward lab: closing the policy scenarios' pods failed: " + e);
        } finally {
            env.close();
        }
        return report;
    }

    /** Stops servers no later scenario needs, so their idle CPU does not slow the scenarios still to come. */
    private void stopServers(AutoCloseable servers, String what) {
        try {
            servers.close();
        } catch (Exception e) {
            out.println("ward lab: stopping " + what + " failed: " + e);
        }
    }

    /**
     * Runs scenario {@code number}, or reports it failed with {@code whyNot} when its prerequisite did not hold; true
     * if it passed. Scenarios left out by {@code --only} are not run and not reported.
     */
    private boolean scenario(boolean prerequisite, int number, String name, String whyNot, ScenarioRun.Steps steps) {
        if (only != null && !only.contains(number)) return prerequisite;
        return prerequisite ? ScenarioRun.run(report, out, name, steps) : ScenarioRun.run(report, out, name, s -> s.fail(whyNot));
    }

    // ---- 0: the cluster

    private void clusterUp(ScenarioRun s) throws Exception {
        env.start(s, 3);
        WardJvm.Outcome status = env.cluster().wardctl("keys", "status");
        s.note("wardctl keys status (exit " + status.exitCode() + "):");
        status.output().lines().forEach(l -> s.note("  " + l));
    }

    // ---- 1 and 2: traffic, and what the underlay saw of it

    private void crossNode(ScenarioRun s, Path capture) throws Exception {
        Process tcpdump = new ProcessBuilder("tcpdump", "-i", "any", "-U", "-n", "-w", capture.toString(), "ip")
                .redirectErrorStream(true).redirectOutput(workDir.resolve("logs/tcpdump.log").toFile()).start();
        try {
            Thread.sleep(1500); // tcpdump opens its socket before the traffic starts
            s.note("capturing the underlay: tcpdump -i any -w " + capture);
            CrossNodeScenario.check(s, env);
            for (LabNetwork.Pod[] pair : new LabNetwork.Pod[][] {{pod(1, 1), pod(2, 1)}, {pod(2, 2), pod(3, 1)}, {pod(3, 2), pod(1, 2)}}) {
                LabTraffic.Ping ping = LabTraffic.icmpPing(pair[0], pair[1], 56, 3);
                s.check(ping.answered(), "ICMP ping " + pair[0] + " -> " + pair[1] + ": " + ping.summary());
            }
            int icmpPayload = network.podMtu() - 28;
            LabTraffic.Ping fullPing = LabTraffic.icmpPing(pod(1, 2), pod(3, 2), icmpPayload, 3);
            s.check(fullPing.answered(), "ICMP ping at the pod MTU (" + icmpPayload + " data bytes, " + network.podMtu()
                    + "-byte packets, DF set) " + pod(1, 2) + " -> " + pod(3, 2) + ": " + fullPing.summary());
            LabTraffic.FullSize full = LabTraffic.fullSizeDatagram(pod(1, 1), pod(3, 1), network.podMtu());
            s.check(full.passed(), "full-size at the pod MTU " + network.podMtu() + " (underlay 1500 - ESP tunnel overhead, EspTunnelMtu): "
                    + full.describe());
            LabTraffic.Transfer bulk = LabTraffic.tcp(pod(2, 1), pod(3, 2), 5003, 16L << 20, Duration.ofSeconds(180));
            s.check(bulk.intact() && bulk.bytes() == 16L << 20, "bulk TCP " + pod(2, 1) + " -> " + pod(3, 2) + ": " + bulk.describe());
        } finally {
            Thread.sleep(1000);
            tcpdump.destroy();
            tcpdump.waitFor();
        }
    }

    private void captureOnlyEsp(ScenarioRun s, Path capture) throws Exception {
        List<Pcap.Frame> frames = Pcap.read(capture);
        Set<InetAddress> underlay = nodes.stream().map(LabNetwork.Node::underlayIp).collect(Collectors.toSet());
        UnderlayCapture c = UnderlayCapture.analyse(frames, underlay, LabNetwork.CLUSTER_CIDR, List.of(LabTraffic.MARKER_BYTES));
        s.note("parsed " + capture + ": " + c.describe());
        s.check(c.esp() > 0, c.esp() + " ESP packets between node addresses");
        s.check(c.plaintextBetweenNodes() == 0 && c.podAddressed() == 0, c.plaintextBetweenNodes() + " non-ESP packets between nodes, "
                + c.podAddressed() + " packets with pod addresses on the wire");
        s.check(c.markerHits() == 0, c.markerHits() + " frames carry the lab's payload marker \"" + LabTraffic.MARKER + "\" in clear");
        int largest = EspTunnelMtu.tunnelPacketBytes(network.podMtu(), IpFamily.IPV4);
        WardJvm.Outcome status = env.cluster().wardctl("encryption", "status");
        s.note("wardctl encryption status (exit " + status.exitCode() + "):");
        status.output().lines().forEach(l -> s.note("  " + l));
        s.check(c.maxEspBytes() <= LabNetwork.UNDERLAY_MTU, "largest ESP packet " + c.maxEspBytes() + " bytes fits the underlay MTU "
                + LabNetwork.UNDERLAY_MTU + " (a full pod-MTU packet encapsulates to " + largest + ")");
    }

    // ---- 3: rotation under traffic

    private void rotateUnderTraffic(ScenarioRun s) throws Exception {
        RotationScenario.run(s, env, List.of(List.of(pod(1, 1), pod(2, 1)), List.of(pod(2, 2), pod(3, 1)), List.of(pod(3, 2), pod(1, 2))),
                3, LabCluster.DRAIN, Duration.ofSeconds(30));
    }

    // ---- 4: a node nobody attested

    private void neverAttested(ScenarioRun s) throws Exception {
        LabNetwork.Node rogue = network.node(4);
        env.wireOutsider(rogue);
        s.note("wired " + rogue + " on the underlay with routes both ways to every node's pods, its pods by ptp alone, no join token");
        RogueAnnouncement forged = RogueAnnouncement.publish(env.cluster(), rogue);
        s.note(forged.describe());
        Thread.sleep(5000);
        for (LabNetwork.Node n : nodes) {
            KernelSas k = KernelSas.of(n);
            s.check(!k.mentions(rogue.underlayIp()), n.name() + " holds no SA with " + rogue.underlayIp().getHostAddress() + " (" + k.sas().size() + " SAs)");
        }
        Map<LabNetwork.Pod, Long> heardBefore = heardFromAll(rogue.pods());
        int outbound = 0, inbound = 0;
        for (LabNetwork.Pod r : rogue.pods()) {
            for (LabNetwork.Node n : nodes) {
                for (LabNetwork.Pod p : n.pods()) {
                    outbound += PodEcho.probe(r, p, 1, 300);
                    inbound += PodEcho.probe(p, r, 1, 300);
                }
            }
        }
        long heardRogue = heardFromAll(rogue.pods()).entrySet().stream().mapToLong(e -> e.getValue() - heardBefore.getOrDefault(e.getKey(), 0L)).sum();
        long rogueHeard = rogue.pods().stream().mapToLong(r -> nodes.stream().flatMap(n -> n.pods().stream())
                .mapToLong(p -> env.echoes().get(r).heardFrom(p.ip())).sum()).sum();
        s.check(outbound == 0 && heardRogue == 0, "rogue pods -> cluster pods: " + outbound + " answered, cluster pods heard the rogue "
                + heardRogue + " times (12 probes)");
        s.check(inbound == 0 && rogueHeard == 0, "cluster pods -> rogue pods: " + inbound + " answered, rogue pods heard cluster pods "
                + rogueHeard + " times (12 probes)");
        s.check(env.unreachablePairs(nodes).isEmpty(), "cluster pods still answer each other");
    }

    // ---- 6: an agent crashes and comes back

    private void agentRestart(ScenarioRun s, StarWars sw) throws Exception {
        LabNetwork.Node victim = nodes.get(1);
        List<PodStream> streams = streams(new LabNetwork.Pod[] {pod(1, 1), pod(2, 1)}, new LabNetwork.Pod[] {pod(2, 2), pod(3, 2)});
        PolicyUnderRestart policy = sw.created() && sw.node() == victim ? PolicyUnderRestart.start(env, sw) : null;
        try {
            if (policy != null) s.note("rule1 in force on " + victim.name() + "'s deathstar: " + policy.describe());
            Thread.sleep(1000);
            KernelSas before = KernelSas.of(victim);
            env.cluster().killAgent(victim);
            long killed = System.nanoTime();
            s.note("kill -9 " + victim.name() + "'s agent with streams " + names(streams) + " flowing; kernel keeps " + before.describe(victim.underlayIp()));
            StaleState stale = StaleState.plant(victim);
            s.note("while it is down: " + stale.describe());
            if (policy != null) s.note("while it is down: " + policy.plantStale());
            Thread.sleep(3000);
            int sentDown = streams.stream().mapToInt(PodStream::sentSoFar).sum();
            long restarted = System.nanoTime();
            env.cluster().startAgent(victim);
            EncryptedCluster.await(Duration.ofSeconds(90), () -> (!stale.present() && (policy == null || !policy.stalePresent()))
                    || !env.cluster().agentAlive(victim));
            s.check(env.cluster().agentAlive(victim), victim.name() + "'s agent running again" + (env.cluster().agentAlive(victim) ? "" : "; log: " + LabEnvironment.tail(env.cluster().agentLog(victim))));
            boolean removed = !stale.present();
            s.check(removed, "stale state removed by the restarted agent "
                    + (removed ? EncryptedCluster.millisSince(restarted) + " ms after restart (JVM start included)" : "NOT (waited " + EncryptedCluster.millisSince(restarted) + " ms)"));
            if (policy != null) {
                boolean gone = !policy.stalePresent();
                s.check(gone, "the stale BPF allow removed by the restarted agent's reconcile " + EncryptedCluster.millisSince(restarted)
                        + " ms after restart (" + EncryptedCluster.millisSince(killed) + " ms after the kill)");
                s.check(env.cluster().awaitApi(victim, Duration.ofSeconds(60)), victim.name() + "'s agent serves its API again");
            }
            long paired = EncryptedCluster.await(Duration.ofSeconds(30), () -> env.allPaired(nodes));
            KernelSas after = KernelSas.of(victim);
            s.note("after restart " + after.describe(victim.underlayIp()));
            s.check(paired >= 0, "every pair still holds SAs both ways");
            s.note(sentDown + " datagrams sent before the restart began");
            Thread.sleep(2000);
            if (policy != null) policy.check(s);
        } finally {
            if (policy != null) policy.close();
            RotationScenario.checkNoneLost(s, streams);
        }
    }

    // ---- 5: revocation

    private void revoke(ScenarioRun s) throws Exception {
        RevocationScenario.run(s, env, nodes.get(2));
    }

    // ---- helpers

    private LabNetwork.Pod pod(int node, int pod) {
        return env.pod(node, pod);
    }

    private List<PodStream> streams(LabNetwork.Pod[]... pairs) {
        List<PodStream> list = new ArrayList<>();
        int port = 6000;
        for (LabNetwork.Pod[] p : pairs) list.add(env.stream(p[0], p[1], port++, RotationScenario.STREAM_INTERVAL));
        return list;
    }

    private static String names(List<PodStream> streams) {
        return streams.stream().map(PodStream::name).collect(Collectors.joining(", "));
    }

    private Map<LabNetwork.Pod, Long> heardFromAll(List<LabNetwork.Pod> sources) {
        Map<LabNetwork.Pod, Long> m = new HashMap<>();
        for (Map.Entry<LabNetwork.Pod, PodEcho> e : env.echoes().entrySet()) {
            m.put(e.getKey(), sources.stream().mapToLong(src -> e.getValue().heardFrom(src.ip())).sum());
        }
        return m;
    }

    /**
     * In-guest entry point: {@code EncryptionLab PREFIX WORK_DIR [N,N...]} (the scenarios to run, all by default);
     * writes the table, table.txt and junit.xml there.
     */
    public static void main(String[] args) throws IOException {
        // Each pod's client must look a name up itself (its node's DNS proxy opens the answer for that pod only); the
        // JVM's cache would hand one pod's answer to the next. Set before the first lookup reads the policy.
        java.security.Security.setProperty("networkaddress.cache.ttl", "0");
        Path work = Path.of(args[1]);
        Files.createDirectories(work);
        Set<Integer> only = args.length > 2 ? Arrays.stream(args[2].split(",")).map(Integer::parseInt).collect(Collectors.toSet()) : null;
        LabReport r = new EncryptionLab(args[0], work, System.out, only).run();
        r.printTable(System.out);
        LogDigest.print(work.resolve("logs"), System.out);
        try (PrintStream file = new PrintStream(Files.newOutputStream(work.resolve("table.txt")), true, StandardCharsets.UTF_8)) {
            r.printTable(file);
        }
        r.writeJunitXml(work.resolve("junit.xml"), "ward-lab");
        System.exit(r.passed() ? 0 : 1);
    }
}
