package dev.ward.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.agent.encryption.store.AnnouncementEvent;
import dev.ward.store.Subscription;
import dev.ward.xfrm.XfrmClient;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * bench/encryption, run where the kernel has ESP: (a) one node computing keys for and programming 1,000 peers
 * against {@code ip -batch} (helper {@code PeerProgrammingBenchmark}); (b) in the lab cluster, join convergence
 * (a new node's announcement to encrypted traffic with every peer) and rotation convergence; (c) iperf3
 * pod-to-pod through the ESP tunnels and then, agents stopped and xfrm flushed, the same pods in clear.
 */
public final class EncryptionBenchmark {
    private static final String PEER_PROGRAMMING = "dev.ward.lab.PeerProgrammingBenchmark";
    private static final Duration IPERF_TIME = Duration.ofSeconds(5);

    private final Path workDir;
    private final PrintStream out;
    private final LabEnvironment env;
    private final LabReport report = new LabReport();
    private final List<String> figures = new ArrayList<>();

    public EncryptionBenchmark(String prefix, Path workDir, PrintStream out) throws IOException {
        this.workDir = workDir.toAbsolutePath();
        this.out = out;
        this.env = new LabEnvironment(prefix, this.workDir);
    }

    public LabReport run() {
        try {
            ScenarioRun.run(report, out, "(a) one node programming 1,000 peers vs ip -batch", this::peerProgramming);
            boolean up = ScenarioRun.run(report, out, "cluster up (3 nodes)", s -> env.start(s, 3));
            if (up) {
                ScenarioRun.run(report, out, "(b) join convergence: announcement -> encrypted traffic with every peer", this::joinConvergence);
                ScenarioRun.run(report, out, "(b) rotation convergence across the lab", this::rotationConvergence);
                ScenarioRun.run(report, out, "(c) iperf3 pod-to-pod, ESP vs clear", this::throughput);
            }
        } finally {
            env.close();
        }
        out.println("== figures");
        figures.forEach(f -> out.println("   " + f));
        return report;
    }

    private void figure(ScenarioRun s, String line) {
        figures.add(line);
        s.note(line);
    }

    private void peerProgramming(ScenarioRun s) throws Exception {
        try {
            Class.forName(PEER_PROGRAMMING, false, EncryptionBenchmark.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            s.fail(PEER_PROGRAMMING + " is not on the class path");
            return;
        }
        Path result = workDir.resolve("peer-programming.txt");
        Files.deleteIfExists(result);
        // "guest REPORT PEERS": the mode for a kernel known to have ESP, which this one has (the lab runs here)
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx1g", "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-cp", System.getProperty("java.class.path"), PEER_PROGRAMMING, "guest", result.toString(), "1000"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(workDir.resolve("logs/peer-programming.log").toFile()).start();
        boolean ok = p.waitFor() == 0 && Files.exists(result);
        if (Files.exists(result)) for (String line : Files.readAllLines(result)) figure(s, line);
        s.check(ok, PEER_PROGRAMMING + " exit " + p.exitValue() + (ok ? "" : "; log: " + LabEnvironment.tail(workDir.resolve("logs/peer-programming.log"))));
    }

    private void joinConvergence(ScenarioRun s) throws Exception {
        LabNetwork.Node joiner = env.network().node(4);
        env.wire(joiner);
        List<LabNetwork.Node> peers = env.nodes().subList(0, 3);
        AtomicLong announced = new AtomicLong();
        try (Subscription watch = env.cluster().encryptionStore().watchAnnouncements(e -> {
            if (e instanceof AnnouncementEvent.Published p && p.node().equals(joiner.name())) announced.compareAndSet(0, System.nanoTime());
        })) {
            env.cluster().join(joiner);
            long started = System.nanoTime();
            s.note("wardctl node token create " + joiner.name() + "; ward agent --node " + joiner.name() + " started; watching the store for its announcement");
            if (EncryptedCluster.await(Duration.ofSeconds(120), () -> announced.get() != 0 || !env.cluster().agentAlive(joiner)) < 0 || announced.get() == 0) {
                s.fail(joiner.name() + " never announced itself; agent log: " + LabEnvironment.tail(env.cluster().agentLog(joiner)));
                return;
            }
            long[] reached = new long[peers.size() * 2];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && java.util.Arrays.stream(reached).anyMatch(t -> t == 0)) {
                for (int i = 0; i < peers.size(); i++) {
                    LabNetwork.Pod there = peers.get(i).pod(1), here = joiner.pod(1);
                    if (reached[2 * i] == 0 && PodEcho.probe(here, there, 1, 100) > 0) reached[2 * i] = System.nanoTime();
                    if (reached[2 * i + 1] == 0 && PodEcho.probe(there, here, 1, 100) > 0) reached[2 * i + 1] = System.nanoTime();
                }
            }
            boolean all = java.util.Arrays.stream(reached).allMatch(t -> t != 0) && env.allPaired(env.nodes());
            long last = java.util.Arrays.stream(reached).max().orElse(0);
            double seconds = (last - announced.get()) / 1e9;
            if (s.check(all, "pods of " + joiner.name() + " and of every peer answer each other over ESP SAs")) {
                figure(s, String.format("join convergence: %.2f s from %s's announcement (as the lab's store watch saw it) to encrypted traffic"
                        + " with all %d peers (target < 2 s); %.2f s from its agent's process start (JVM start and SVID from keyd included)",
                        seconds, joiner.name(), peers.size(), (last - started) / 1e9));
            }
        }
    }

    private void rotationConvergence(ScenarioRun s) throws Exception {
        List<LabNetwork.Node> nodes = env.nodes();
        List<Double> seconds = new ArrayList<>();
        for (int round = 1; round <= 3; round++) {
            Map<String, Set<String>> before = env.outboundSpis(nodes);
            StoreWrite r = env.rotateAll();
            if (!s.check(r.outcome().succeeded(), "wardctl keys rotate --all exit " + r.outcome().exitCode()
                    + (r.outcome().succeeded() ? "" : ": " + r.outcome().output().strip()))) return;
            long took = EncryptedCluster.await(Duration.ofSeconds(60), () -> env.everyPairHasNewOutbound(nodes, before));
            if (!s.check(took >= 0, "round " + round + ": every one of " + nodes.size() * (nodes.size() - 1) + " directed pairs sends with a new SA")) return;
            seconds.add(r.secondsSinceCommitted());
            s.note(String.format("round %d: %.2f s after the request reached the store%s", round, seconds.getLast(),
                    r.storedAtNanos() == 0 ? " (no store event seen: timed from the command's return)" : ""));
        }
        figure(s, String.format("rotation convergence (%d nodes, %d directed pairs): %s s per round, from the rotation request reaching the store to every pair sending on its new SA",
                nodes.size(), nodes.size() * (nodes.size() - 1), seconds.stream().map(d -> String.format("%.2f", d)).toList()));
    }

    private void throughput(ScenarioRun s) throws Exception {
        LabNetwork.Pod client = env.pod(1, 1), server = env.pod(2, 1);
        double encrypted = iperf3(client, server);
        figure(s, String.format("iperf3 %s -> %s through ESP: %.1f Mbit/s", client.name(), server.name(), encrypted / 1e6));
        for (LabNetwork.Node n : env.nodes()) env.cluster().killAgent(n);
        for (LabNetwork.Node n : env.nodes()) {
            try (XfrmClient x = XfrmClient.open(n.netns())) {
                x.flushPolicies();
                x.flushStates();
            }
        }
        s.check(env.unreachablePairs(env.nodes()).isEmpty(), "agents stopped, xfrm flushed on every node: pods talk in clear");
        double clear = iperf3(client, server);
        figure(s, String.format("iperf3 %s -> %s in clear (same pods, same path): %.1f Mbit/s", client.name(), server.name(), clear / 1e6));
        figure(s, String.format("ratio ESP / clear: %.2f", encrypted / clear));
    }

    private double iperf3(LabNetwork.Pod client, LabNetwork.Pod server) throws IOException, InterruptedException {
        Process srv = new ProcessBuilder("ip", "netns", "exec", server.netns(), "iperf3", "-s", "-1", "-B", server.ip().getHostAddress())
                .redirectErrorStream(true).redirectOutput(workDir.resolve("logs/iperf3-server.log").toFile()).start();
        try {
            Thread.sleep(1500);
            Process c = new ProcessBuilder("ip", "netns", "exec", client.netns(), "iperf3", "-c", server.ip().getHostAddress(),
                    "-t", String.valueOf(IPERF_TIME.toSeconds()), "-J").redirectErrorStream(true).start();
            String json = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (c.waitFor() != 0) throw new IOException("iperf3 client exit " + c.exitValue() + ": " + json.strip());
            JsonNode bps = new ObjectMapper().readTree(json).path("end").path("sum_received").path("bits_per_second");
            if (!bps.isNumber()) throw new IOException("iperf3 reported no received rate: " + json.strip());
            return bps.asDouble();
        } finally {
            srv.destroy();
            srv.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** In-guest entry point: {@code EncryptionBenchmark PREFIX WORK_DIR}; exit 0 when every measurement ran. */
    public static void main(String[] args) throws IOException {
        Path work = Path.of(args[1]);
        Files.createDirectories(work);
        LabReport r = new EncryptionBenchmark(args[0], work, System.out).run();
        r.printTable(System.out);
        System.exit(r.passed() ? 0 : 1);
    }
}
