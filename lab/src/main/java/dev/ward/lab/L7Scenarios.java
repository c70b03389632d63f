package dev.ward.lab;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.servererrors.UnauthorizedException;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.testbed.NamespaceServers;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Scenarios 9, 10 and 11: L7 policy across the encrypted nodes, each node's agent redirecting its pods' L7-ruled flows
 * to its L7 proxy with the BPF datapath. The servers are real and run in pods on n2: nginx as the deathstar, memcached,
 * a Kafka broker (KRaft) and Cassandra, both started at the beginning of scenario 9 and up when scenarios 10 and 11
 * need them.
 * The clients, curl, a memcached text client, kafka-clients and the DataStax driver, run in pods on n1 and n3 (through ESP) and on n2
 * itself. The policies are the published ones, as printed: Star Wars' L7 rule1 (which replaces the L3/L4 one, as the
 * guide does), the seed post's memcached and Cassandra policies, and Cilium's Kafka guide's.
 * Allowed requests succeed. Denied ones get the protocol's own error (HTTP 403, memcached {@code CLIENT_ERROR},
 * Kafka's authorization errors, Cassandra's Unauthorized) and never reach the server. {@code wardctl monitor --type l7} on n2 shows both.
 */
final class L7Scenarios implements AutoCloseable {
    private static final int HTTP = 80, MEMCACHED = 11211;
    private final LabEnvironment env;
    private final Path dir;
    private final List<AutoCloseable> servers = new ArrayList<>();
    private LabNetwork.Pod kafka;
    private PodServer broker;
    private long brokerStarted;
    private LabNetwork.Pod cassandraPod;
    private PodServer cassandra;
    private long cassandraStarted;
    private LabNetwork.Pod outpost;

    L7Scenarios(LabEnvironment env, Path workDir) throws java.io.IOException {
        this.env = env;
        this.dir = workDir.resolve("l7");
        LabEnvironment.deleteTree(dir); // an earlier run's server data and logs (Kafka refuses a formatted directory)
    }

    private LabNetwork.Node node(int i) {
        return env.nodes().get(i - 1);
    }

    private LabNetwork.Pod create(ScenarioRun s, LabNetwork.Pod p, LabNetwork.Node on, Map<String, String> labels) throws Exception {
        CniPods.Wired w = env.addPod(on, p, labels);
        s.note("CNI ADD " + p + " " + labels + " on " + on.name() + ": ready in " + w.millis() + " ms");
        return p;
    }

    // ---- 9: HTTP and memcached

    void httpAndMemcached(ScenarioRun s) throws Exception {
        LabNetwork.Node n2 = node(2);
        startKafka(s);
        startCassandra(s);
        env.policies().put(LabPolicies.RULE1_L7);
        env.policies().put(LabPolicies.MEMCACHED);
        s.note("rule1 made L7 (" + LabPolicies.RULE1_L7.file() + ") and the seed's memcached policy (" + LabPolicies.MEMCACHED.file()
                + ") written to the store, as printed");
        LabNetwork.Pod deathstar = create(s, LabNetwork.Pod.on(n2, "deathstar-l7", 22), n2, StarWars.DEATHSTAR_LABELS);
        PodServer nginx = nginx(deathstar);
        s.note("nginx in " + deathstar.name() + " listening after " + nginx.awaitListening(deathstar, HTTP, 30_000) + " ms");
        long espBefore = espInto(n2);

        LabNetwork.Pod remoteTie = env.pod(1, 1), localTie = env.pod(2, 1), remoteXwing = env.pod(1, 2);
        String landing = url(deathstar, "/v1/request-landing"), exhaust = url(deathstar, "/v1/exhaust-port");
        NamespaceServers.Run landed = PodServer.curl(remoteTie, "-X", "POST", landing);
        s.check(landed.output().equals("landed " + remoteTie.ip().getHostAddress() + " POST /v1/request-landing\n|200 1\n"),
                remoteTie.name() + " (org=empire, n1) POST /v1/request-landing: " + oneLine(landed)
                        + " (the deathstar saw the tiefighter's own address, through the proxy and ESP)");
        NamespaceServers.Run both = PodServer.curl(remoteTie, "-X", "PUT", exhaust, "--next", "-s", "--max-time", "10", "-w",
                "|%{http_code} %{num_connects}\\n", "-X", "POST", landing);
        s.check(both.output().startsWith("Access denied\r\n|403 1\n") && both.output().endsWith("POST /v1/request-landing\n|200 0\n"),
                remoteTie.name() + " PUT /v1/exhaust-port then POST /v1/request-landing on one connection: " + oneLine(both)
                        + " (403 from the proxy, then the landing on the same connection)");
        NamespaceServers.Run local = PodServer.curl(localTie, "-X", "POST", landing);
        s.check(local.output().endsWith("|200 1\n"), localTie.name() + " (org=empire, n2, same node) POST /v1/request-landing: " + oneLine(local));
        NamespaceServers.Run get = PodServer.curl(localTie, landing);
        s.check(get.output().endsWith("|403 1\n"), localTie.name() + " GET /v1/request-landing (rule1 allows POST only): " + oneLine(get));
        NamespaceServers.Run rebel = PodServer.curl(remoteXwing, "--max-time", "3", "-X", "POST", landing);
        s.check(rebel.output().contains("|000 "), remoteXwing.name() + " (org=alliance, n1) POST: " + oneLine(rebel) + " (no connection: L3/L4 denied)");
        List<String> access = Files.readAllLines(dir.resolve("nginx/access.log"));
        s.check(access.size() == 3 && access.stream().allMatch(l -> l.contains(" POST /v1/request-landing 200")),
                "nginx served exactly the 3 landings, nothing denied reached it: " + access);
        long esp = espInto(n2) - espBefore;
        s.check(esp > 0, n2.name() + "'s SAs from n1 and n3 decrypted " + esp + " packets meanwhile: the cross-node requests came through ESP");

        LabNetwork.Node n1 = node(1), n3 = node(3);
        LabNetwork.Pod memcached = create(s, LabNetwork.Pod.on(n2, "memcached", 23), n2, Map.of("app", "memcached"));
        PodServer mc = PodServer.start("memcached", memcached, List.of("memcached", "-u", "root", "-l", memcached.ip().getHostAddress(),
                "-p", Integer.toString(MEMCACHED), "-U", "0", "-m", "16"), dir.resolve("memcached.log"));
        servers.add(mc);
        s.note("memcached listening after " + mc.awaitListening(memcached, MEMCACHED, 30_000) + " ms");
        LabNetwork.Pod maintenance = create(s, LabNetwork.Pod.on(n1, "fleet-maintenance", 31), n1, Map.of("function", "fleet-maintanence"));
        LabNetwork.Pod monitoring = create(s, LabNetwork.Pod.on(n3, "fleet-monitoring", 31), n3, Map.of("function", "fleet-monitoring"));
        try (Memcache m = Memcache.connect(maintenance, memcached)) {
            s.check("STORED".equals(m.call("set alliance/fleet/xwing-7 0 0 5\r\nready\r\n")), "maintenance (n1) sets alliance/fleet/xwing-7: STORED");
            String denied = m.call("set empire/plans 0 0 4\r\nlost\r\n");
            s.check("CLIENT_ERROR access denied".equals(denied), "maintenance sets empire/plans (outside alliance/fleet/): " + denied);
            String got = m.call("get alliance/fleet/xwing-7\r\n");
            s.check("VALUE alliance/fleet/xwing-7 0 5|ready|END".equals(got), "maintenance gets it on the same connection: " + got);
        }
        try (Memcache m = Memcache.connect(monitoring, memcached)) {
            String got = m.call("get alliance/fleet/xwing-7\r\n");
            s.check("VALUE alliance/fleet/xwing-7 0 5|ready|END".equals(got), "monitoring (n3) gets alliance/fleet/xwing-7: " + got);
            String denied = m.call("set alliance/fleet/xwing-7 0 0 4\r\ngone\r\n");
            s.check("CLIENT_ERROR access denied".equals(denied), "monitoring sets it (monitoring only reads): " + denied);
            String still = m.call("get alliance/fleet/xwing-7\r\n");
            s.check(still != null && still.endsWith("|ready|END"), "the denied set never reached memcached: " + still);
        }
        monitor(s, n2, List.of(
                new Seen("the exhaust port's PUT, dropped", "DROPPED", "/v1/exhaust-port"),
                new Seen("a landing, forwarded", "FORWARDED", "/v1/request-landing"),
                new Seen("monitoring's set, dropped", "DROPPED", "alliance/fleet/xwing-7", "set"),
                new Seen("maintenance's set, forwarded", "FORWARDED", "alliance/fleet/xwing-7", "set")));
    }

    private PodServer nginx(LabNetwork.Pod pod) throws Exception {
        Path d = dir.resolve("nginx");
        PodServer p = PodServer.start("nginx", pod, NamespaceServers.landingNginx(d, pod.ip().getHostAddress(), HTTP), d.resolve("stdout.log"));
        servers.add(p);
        return p;
    }

    private static String url(LabNetwork.Pod p, String path) {
        return "http://" + p.ip().getHostAddress() + ":" + HTTP + path;
    }

    // ---- 10: Kafka

    /** The broker's pod and process, early: the broker takes about 25 s to come up in the guest. */
    private void startKafka(ScenarioRun s) throws Exception {
        env.policies().put(LabPolicies.KAFKA);
        kafka = create(s, LabNetwork.Pod.on(node(2), "kafka", 24), node(2), Map.of("app", "kafka"));
        broker = LabKafka.start(kafka, dir.resolve("kafka"));
        servers.add(broker);
        brokerStarted = System.nanoTime();
        s.note("Cilium's Kafka guide policy (" + LabPolicies.KAFKA.file() + ") written; the broker starts in " + kafka + " meanwhile");
    }

    void kafka(ScenarioRun s) throws Exception {
        if (broker == null) startKafka(s);
        broker.awaitListening(kafka, LabKafka.PORT, 120_000);
        s.note("the broker listens " + (System.nanoTime() - brokerStarted) / 1_000_000 + " ms after its start");
        LabKafka.createTopics(kafka, "deathstar-plans", "empire-announce");
        LabNetwork.Pod hq = create(s, LabNetwork.Pod.on(node(1), "empire-hq", 32), node(1), Map.of("app", "empire-hq"));
        LabNetwork.Pod outpost = outpost(s);

        try (KafkaProducer<String, String> p = LabKafkaClients.producer(hq, LabKafka.bootstrap(kafka))) {
            long offset = NetworkNamespace.call(hq.netns(), () -> p.send(new ProducerRecord<>("deathstar-plans", "plans", "the exhaust port")).get(90, TimeUnit.SECONDS).offset());
            s.check(offset == 0, "empire-hq (n1) produces to deathstar-plans with a default idempotent producer: acked at offset " + offset);
            long announced = NetworkNamespace.call(hq.netns(), () -> p.send(new ProducerRecord<>("empire-announce", "news", "the emperor arrives")).get(90, TimeUnit.SECONDS).offset());
            s.check(announced == 0, "empire-hq produces to empire-announce: acked at offset " + announced);
        }
        List<String> read = LabKafkaClients.consume(outpost, LabKafka.bootstrap(kafka), "empire-announce");
        s.check(read.equals(List.of("the emperor arrives")), "empire-outpost (n3) consumes empire-announce: " + read);
        String plans = LabKafkaClients.consumeError(outpost, LabKafka.bootstrap(kafka), "deathstar-plans");
        s.check(plans.startsWith("TopicAuthorizationException"), "empire-outpost consumes deathstar-plans: " + plans + " (Kafka's own error, not a cut connection)");
        String produce = LabKafkaClients.produceError(outpost, LabKafka.bootstrap(kafka), "empire-announce");
        s.check(produce.contains("AuthorizationException"), "empire-outpost produces to empire-announce (it may only consume): " + produce);
        monitor(s, node(2), List.of(
                new Seen("hq's produce, forwarded", "FORWARDED", "deathstar-plans", "produce"),
                new Seen("the outpost's fetch of deathstar-plans, dropped", "DROPPED", "deathstar-plans")));
    }

    /** The empire's outpost on n3 ({@code app=empire-outpost}): a Kafka consumer in scenario 10, Cassandra's client in 11. */
    private LabNetwork.Pod outpost(ScenarioRun s) throws Exception {
        if (outpost == null) outpost = create(s, LabNetwork.Pod.on(node(3), "empire-outpost", 32), node(3), Map.of("app", "empire-outpost"));
        return outpost;
    }

    // ---- 11: Cassandra

    /** Cassandra's pod and process, early: it takes about 50 s to a driver session in the guest. */
    private void startCassandra(ScenarioRun s) throws Exception {
        env.policies().put(LabPolicies.CASSANDRA);
        cassandraPod = create(s, LabNetwork.Pod.on(node(2), "cass-server", 25), node(2), Map.of("app", "cass-server"));
        cassandra = LabCassandra.start(cassandraPod, dir.getParent(), dir.resolve("cassandra"));
        servers.add(cassandra);
        cassandraStarted = System.nanoTime();
        s.note("the seed's Cassandra policy (" + LabPolicies.CASSANDRA.file() + ") written; Cassandra starts in " + cassandraPod + " meanwhile");
    }

    void cassandra(ScenarioRun s) throws Exception {
        if (cassandra == null) startCassandra(s);
        cassandra.awaitListening(cassandraPod, LabCassandra.PORT, 240_000);
        s.note("Cassandra listens " + (System.nanoTime() - cassandraStarted) / 1_000_000 + " ms after its start");
        NetworkNamespace.call(cassandraPod.netns(), () -> {
            try (CqlSession c = cql(cassandraPod)) {
                c.execute("CREATE KEYSPACE IF NOT EXISTS attendance WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
                c.execute("CREATE TABLE IF NOT EXISTS attendance.daily_records (outpost text, day int, present int, PRIMARY KEY (outpost, day))");
            }
            return null;
        });
        s.note("keyspace attendance and table daily_records made in the server's own pod");
        LabNetwork.Pod outpost = outpost(s);
        List<String> seen = NetworkNamespace.call(outpost.netns(), () -> {
            List<String> out = new ArrayList<>();
            try (CqlSession c = cql(cassandraPod)) {
                out.add("session " + c.getContext().getProtocolVersion().name() + ", release "
                        + c.execute("SELECT release_version FROM system.local").one().getString(0));
                PreparedStatement insert = c.prepare("INSERT INTO attendance.daily_records (outpost, day, present) VALUES (?, ?, ?)");
                for (int day = 1; day <= 3; day++) c.execute(insert.bind("hoth", day, 40 + day));
                out.add("3 inserted");
                for (String cql : List.of("SELECT * FROM attendance.daily_records", "DELETE FROM attendance.daily_records WHERE outpost = 'hoth'",
                        "DROP TABLE attendance.daily_records")) {
                    try {
                        c.execute(cql);
                        out.add("ALLOWED " + cql);
                    } catch (UnauthorizedException e) {
                        out.add("Unauthorized " + cql.split(" ")[0]);
                    }
                }
            }
            return out;
        });
        s.check(seen.get(0).startsWith("session V5,") && seen.get(0).contains("release 5.0"),
                "empire-outpost (n3) opens a DataStax driver session through the proxy, negotiating v5 (the proxy answers its"
                        + " DSE_V2 and DSE_V1 offers as Cassandra does; its selects of system.* and system_schema.* allowed): " + seen.get(0));
        s.check(seen.get(1).equals("3 inserted"), "empire-outpost inserts into attendance.daily_records with a prepared statement: " + seen.get(1));
        s.check(seen.subList(2, 5).equals(List.of("Unauthorized SELECT", "Unauthorized DELETE", "Unauthorized DROP")),
                "its SELECT, DELETE and DROP of attendance.daily_records get Cassandra's Unauthorized error: " + seen.subList(2, 5));
        int rows = NetworkNamespace.call(cassandraPod.netns(), () -> {
            try (CqlSession c = cql(cassandraPod)) {
                return c.execute("SELECT * FROM attendance.daily_records WHERE outpost = 'hoth'").all().size();
            }
        });
        s.check(rows == 3, "the server holds the 3 rows: the inserts reached it and the DELETE and DROP did not (" + rows + " rows)");
        monitor(s, node(2), List.of(
                new Seen("the outpost's insert, forwarded", "FORWARDED", "insert", "attendance.daily_records"),
                new Seen("the outpost's drop, dropped", "DROPPED", "drop", "attendance.daily_records")));
    }

    private static CqlSession cql(LabNetwork.Pod server) {
        var config = DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(60))
                .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(60))
                .withDuration(DefaultDriverOption.CONNECTION_CONNECT_TIMEOUT, Duration.ofSeconds(30))
                .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, Duration.ofSeconds(60))
                .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, Duration.ofSeconds(60))
                .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, Duration.ofSeconds(60)).build();
        return CqlSession.builder().addContactPoint(new InetSocketAddress(server.ip(), LabCassandra.PORT))
                .withLocalDatacenter("datacenter1").withConfigLoader(config).build();
    }

    // ---- what the operator sees, and what carried it

    /** A line {@code wardctl monitor --type l7} must show: its verdict and words it holds. */
    private record Seen(String what, String verdict, String... words) {}

    private void monitor(ScenarioRun s, LabNetwork.Node node, List<Seen> expected) throws Exception {
        WardJvm.Outcome o = env.jvm().wardctl("monitor", "--socket", env.cluster().apiSocket(node).toString(),
                "--type", "l7", "--last", "4000", "--timeout", "2s");
        List<String> lines = o.output().lines().toList();
        s.note("wardctl monitor --type l7 --last 4000 on " + node.name() + " (exit " + o.exitCode() + "): " + lines.size() + " lines, e.g.:");
        for (Seen e : expected) {
            String line = lines.stream().filter(l -> l.contains(" " + e.verdict() + " ") && java.util.Arrays.stream(e.words()).allMatch(l::contains))
                    .findFirst().orElse(null);
            if (line != null) s.note("  " + line);
            s.check(line != null, "wardctl monitor shows " + e.what());
        }
    }

    private long espInto(LabNetwork.Node node) {
        KernelSas sas = KernelSas.of(node);
        return env.nodes().stream().filter(n -> n != node).mapToLong(n -> sas.packetsTo(n.underlayIp(), node.underlayIp())).sum();
    }

    private static String oneLine(NamespaceServers.Run r) {
        return r.output().strip().replace("\r", "").replace("\n", " / ");
    }

    /** A memcached text-protocol client on a connection from a pod. */
    private record Memcache(Socket socket, BufferedReader in, OutputStream out) implements AutoCloseable {
        static Memcache connect(LabNetwork.Pod from, LabNetwork.Pod server) throws Exception {
            Socket s = NetworkNamespace.call(from.netns(), () -> {
                Socket sock = new Socket();
                sock.bind(new InetSocketAddress(from.ip(), 0)); // creates the socket in the pod's namespace
                return sock;
            });
            s.connect(new InetSocketAddress(server.ip(), MEMCACHED), 10_000);
            s.setSoTimeout(15_000);
            return new Memcache(s, new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)), s.getOutputStream());
        }

        /** Sends {@code command}; its reply's lines joined by '|' (a retrieval's up to END). */
        String call(String command) throws Exception {
            out.write(command.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String first = in.readLine();
            if (first == null || !first.startsWith("VALUE")) return first;
            StringBuilder sb = new StringBuilder(first);
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                sb.append('|').append(line);
                if (line.equals("END")) break;
            }
            return sb.toString();
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }

    @Override
    public void close() throws Exception {
        List<AutoCloseable> running = new java.util.ArrayList<>(servers);
        servers.clear();
        for (AutoCloseable c : running.reversed()) c.close();
    }
}
