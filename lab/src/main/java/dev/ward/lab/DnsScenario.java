package dev.ward.lab;

import dev.ward.netlink.IpPrefix;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.netlink.route.Route;
import dev.ward.netlink.route.RouteNetlink;
import dev.ward.testbed.UnboundServer;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Scenario 12: the seed post's {@code egress-domain-wildcard} as printed, with encryption and the BPF datapath on.
 * kube-dns is a real unbound in a {@code kube-system} pod on n2, authoritative for {@code domain.com}; {@code myService}
 * runs on n1, so its lookups cross ESP after its node's DNS proxy judged them. The names point at addresses outside the
 * cluster, on a host behind n1, where a TCP server answers on 443. An allowed name resolves and its address is reachable at
 * once; another name is refused and never reaches unbound; an address nobody resolved is dropped; a TTL's end closes its
 * address; with the agent killed, the standalone {@code ward dnsproxy} still refuses, resolves and opens new addresses,
 * and the agent, back, keeps what it learned.
 */
final class DnsScenario implements AutoCloseable {
    static final String ZONE = "domain.com";
    static final InetAddress API = IpPrefix.address("198.51.100.10"), SHORT = IpPrefix.address("198.51.100.11"),
            UNRESOLVED = IpPrefix.address("198.51.100.12"), LATER = IpPrefix.address("198.51.100.13");
    private static final int HTTPS = 443, WAIT_MILLIS = 1500;

    static final String KAFKA_NAME = "kafka.mycorp.com";
    static final InetAddress BROKER = IpPrefix.address("198.51.100.20");

    private final LabEnvironment env;
    private final Path dir;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private LabNetwork.Pod dns;
    private UnboundServer unbound;
    private LabNetwork.Pod broker;
    private PodServer brokerProcess;
    private long brokerStarted;

    DnsScenario(LabEnvironment env, Path workDir) throws IOException {
        this.env = env;
        this.dir = workDir.resolve("dns");
        LabEnvironment.deleteTree(dir); // an earlier run's zone files, logs and broker data (Kafka refuses a formatted directory)
    }

    /** kube-dns and the outside addresses (with the external Kafka broker starting meanwhile): scenarios 12 and 13 stand on them. */
    private void kubeDns(ScenarioRun s) throws Exception {
        if (dns != null) return;
        LabNetwork.Node n1 = env.nodes().get(0), n2 = env.nodes().get(1);
        LabNetwork.Pod pod = LabNetwork.Pod.on(n2, "kube-system/kube-dns", 41);
        env.addPod(n2, pod, Map.of("k8s-app", "kube-dns"));
        unbound = UnboundServer.start(pod.netns(), pod.ip().getHostAddress(), dir.resolve("unbound"), Map.of(
                ZONE, List.of(
                        "api." + ZONE + ". 300 IN A " + API.getHostAddress(),
                        "short." + ZONE + ". 1 IN A " + SHORT.getHostAddress(),
                        "later." + ZONE + ". 300 IN A " + LATER.getHostAddress()),
                "mycorp.com", List.of(KAFKA_NAME + ". 300 IN A " + BROKER.getHostAddress()),
                "example.org", List.of("www.example.org. 300 IN A " + UNRESOLVED.getHostAddress())));
        closing.add(unbound);
        dns = pod;
        s.note("unbound in " + dns + " (kube-system, k8s-app=kube-dns), authoritative for " + ZONE + ", mycorp.com and example.org");
        String external = outside(n1);
        broker = new LabNetwork.Pod("kafka-mycorp", external, BROKER);
        brokerProcess = LabKafka.start(broker, dir.resolve("kafka"), KAFKA_NAME);
        closing.add(brokerProcess);
        brokerStarted = System.nanoTime();
        s.note("a Kafka broker outside the cluster (" + external + ", behind n1, " + BROKER.getHostAddress() + ", advertised as " + KAFKA_NAME + ") starts meanwhile");
        // The lab's Kafka clients resolve the broker's name as a pod's resolver would: from their pod, at kube-dns.
        PodResolver.serve("mycorp.com", dns.ip());
    }

    void run(ScenarioRun s) throws Exception {
        LabNetwork.Node n1 = env.nodes().get(0);
        env.policies().put(LabPolicies.EGRESS_DOMAIN_WILDCARD);
        s.note("the seed's egress-domain-wildcard (" + LabPolicies.EGRESS_DOMAIN_WILDCARD.file() + ") written to the store, as printed");
        kubeDns(s);
        LabNetwork.Pod app = LabNetwork.Pod.on(n1, "my-service", 41);
        CniPods.Wired w = env.addPod(n1, app, Map.of("app", "myService"));
        s.note("CNI ADD " + app + " {app=myService} on n1: ready in " + w.millis() + " ms");

        s.check(connect(app, API) == PodTcp.Attempt.DROPPED, "before any lookup, " + app.name() + " -> " + API.getHostAddress() + ":443 is dropped");
        long asked = System.nanoTime();
        Message api = query(app, dns.ip(), "api." + ZONE);
        long answered = System.nanoTime();
        PodTcp.Attempt right = connect(app, API);
        s.check(api.getRcode() == Rcode.NOERROR && addresses(api).equals(List.of(API)) && right == PodTcp.Attempt.CONNECTED,
                "api." + ZONE + " resolved across nodes in " + (answered - asked) / 1_000_000 + " ms to " + addresses(api)
                        + ", and the connection opened right after the answer: " + right);
        s.check(unbound.logged("api." + ZONE), "the query reached the server the pod asked (unbound's log)");
        Message refused = query(app, dns.ip(), "www.example.org");
        s.check(refused.getRcode() == Rcode.REFUSED, "www.example.org (outside *.domain.com): " + Rcode.string(refused.getRcode()));
        s.check(!unbound.logged("www.example.org"), "the refused query never reached unbound");
        s.check(connect(app, UNRESOLVED) == PodTcp.Attempt.DROPPED, UNRESOLVED.getHostAddress() + ":443, never an answer: dropped");

        Message shortLived = query(app, dns.ip(), "short." + ZONE);
        s.check(addresses(shortLived).equals(List.of(SHORT)), "short." + ZONE + " (TTL 1 s, the agents' minimum 2 s) resolved to " + addresses(shortLived));
        Thread.sleep(4000);
        s.check(connect(app, SHORT) == PodTcp.Attempt.DROPPED, "4 s later its TTL ended: " + SHORT.getHostAddress() + ":443 is dropped again");
        monitor(s, n1, new String[][] {{"www.example.org", "DROPPED"}, {"api." + ZONE, "FORWARDED"}, {UNRESOLVED.getHostAddress(), "DROPPED"}});

        env.cluster().startDnsProxy(n1);
        s.check(awaitLogLine(() -> env.cluster().dnsProxyAlive(n1), env.cluster().dnsProxyLog(n1), "DNS proxy serving port",
                Duration.ofSeconds(60)), "ward dnsproxy started on n1 beside the agent (standby port, the agent's snapshot, the node's pinned maps)");
        env.cluster().killAgent(n1);
        s.note("n1's agent killed (SIGKILL)");
        Message stillRefused = query(app, dns.ip(), "www.example.org");
        s.check(stillRefused.getRcode() == Rcode.REFUSED, "agent down: www.example.org still " + Rcode.string(stillRefused.getRcode()) + " (the standalone proxy)");
        Message later = query(app, dns.ip(), "later." + ZONE);
        PodTcp.Attempt opened = connect(app, LATER);
        s.check(addresses(later).equals(List.of(LATER)) && opened == PodTcp.Attempt.CONNECTED,
                "agent down: later." + ZONE + " resolved to " + addresses(later) + " and its new address opened: " + opened);
        s.check(connect(app, API) == PodTcp.Attempt.CONNECTED, "agent down: api." + ZONE + "'s address stays open");
        s.check(connect(app, UNRESOLVED) == PodTcp.Attempt.DROPPED, "agent down: " + UNRESOLVED.getHostAddress() + " stays dropped");
        env.cluster().startAgent(n1);
        Message starting = query(app, dns.ip(), "www.example.org");
        s.check(starting.getRcode() == Rcode.REFUSED, "agent starting: www.example.org " + Rcode.string(starting.getRcode()));
        s.check(env.cluster().awaitApi(n1, Duration.ofSeconds(120)), "n1's agent restarted and serves its API");
        Message during = query(app, dns.ip(), "www.example.org");
        s.check(during.getRcode() == Rcode.REFUSED, "right after its API answered (its DNS proxy starts after it; the port is reserved "
                + "in its first writes, so the standby answers until then): www.example.org " + Rcode.string(during.getRcode()));
        s.check(awaitLogLine(() -> env.cluster().agentAlive(n1), env.cluster().agentLog(n1), "DNS proxy on port",
                Duration.ofSeconds(120)), "the restarted agent's DNS proxy listens");
        s.check(connect(app, LATER) == PodTcp.Attempt.CONNECTED, "the restarted agent kept the address the standalone proxy learned");
        Message back = query(app, dns.ip(), "www.example.org");
        WardJvm.Outcome o = env.jvm().wardctl("monitor", "--socket", env.cluster().apiSocket(n1).toString(),
                "--type", "dns", "--last", "100", "--timeout", "2s");
        boolean itself = o.output().lines().anyMatch(l -> l.contains("www.example.org") && l.contains("dns_refused"));
        s.check(back.getRcode() == Rcode.REFUSED && itself, "and refuses www.example.org again itself: " + Rcode.string(back.getRcode())
                + (itself ? ", in the restarted agent's own flows" : ", but the restarted agent's flows do not show it"));
    }

    /**
     * Scenario 13: the seed's Kafka-behind-a-name policy as printed, on a broker outside the cluster that clients
     * find by name: {@code app=empire-hq} and {@code app=outpost} on n1 resolve {@code kafka.mycorp.com} at kube-dns
     * on n2 (through n1's DNS proxy, which opens the answer for them), and their Kafka requests are judged by n1's
     * L7 proxy on the egress: hq produces to both topics, the outpost consumes empire-announce, and gets Kafka's
     * authorization errors for the rest.
     */
    void kafkaBehindName(ScenarioRun s) throws Exception {
        LabNetwork.Node n1 = env.nodes().get(0);
        env.policies().put(LabPolicies.KAFKA_BEHIND_DNS);
        env.policies().put(LabPolicies.KAFKA_DNS_LOOKUPS);
        s.note("the seed's Kafka-behind-a-name policy (" + LabPolicies.KAFKA_BEHIND_DNS.file() + ", as printed) and the lookups it stands on ("
                + LabPolicies.KAFKA_DNS_LOOKUPS.file() + ") written");
        kubeDns(s);
        LabNetwork.Pod hq = LabNetwork.Pod.on(n1, "empire-hq-dns", 43), outpost = LabNetwork.Pod.on(n1, "outpost-dns", 44);
        env.addPod(n1, hq, Map.of("app", "empire-hq"));
        env.addPod(n1, outpost, Map.of("app", "outpost"));
        s.note("CNI ADD " + hq + " {app=empire-hq} and " + outpost + " {app=outpost} on n1");
        s.check(connect(hq, BROKER, LabKafka.PORT) == PodTcp.Attempt.DROPPED,
                "before its lookup, " + hq.name() + " -> " + BROKER.getHostAddress() + ":9092 (the broker, outside the cluster) is dropped");
        brokerProcess.awaitListening(broker, LabKafka.PORT, 180_000);
        s.note("the broker listens " + (System.nanoTime() - brokerStarted) / 1_000_000 + " ms after its start");
        LabKafka.createTopics(broker, "deathstar-plans", "empire-announce");
        String bootstrap = KAFKA_NAME + ":" + LabKafka.PORT;
        try (org.apache.kafka.clients.producer.KafkaProducer<String, String> p = LabKafkaClients.producer(hq, bootstrap)) {
            long plans = LabKafkaClients.produce(hq, p, "deathstar-plans", "plans", "the exhaust port");
            long news = LabKafkaClients.produce(hq, p, "empire-announce", "news", "the emperor arrives");
            s.check(plans == 0 && news == 0, "empire-hq, bootstrapped by name, produces to deathstar-plans and empire-announce: acked at offsets "
                    + plans + " and " + news);
        }
        List<String> read = LabKafkaClients.consume(outpost, bootstrap, "empire-announce");
        s.check(read.equals(List.of("the emperor arrives")), "the outpost, bootstrapped by name, consumes empire-announce: " + read);
        String plans = LabKafkaClients.consumeError(outpost, bootstrap, "deathstar-plans");
        s.check(plans.startsWith("TopicAuthorizationException"), "the outpost consumes deathstar-plans: " + plans);
        String produce = LabKafkaClients.produceError(outpost, bootstrap, "empire-announce");
        s.check(produce.contains("AuthorizationException"), "the outpost produces to empire-announce (it may only consume): " + produce);
        s.check(unbound.logged(KAFKA_NAME), "the clients' lookups of " + KAFKA_NAME + " reached kube-dns");
        monitor(s, n1, new String[][] {{KAFKA_NAME, "FORWARDED"}, {"deathstar-plans", "produce", "FORWARDED"}, {"deathstar-plans", "DROPPED"}});
    }

    /**
     * Waits until the process's log, since its last start (WardJvm's "$ " line), holds {@code line}; false if the
     * process exited or {@code within} went by.
     */
    private static boolean awaitLogLine(java.util.function.BooleanSupplier alive, Path log, String line, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (!alive.getAsBoolean()) return false;
            List<String> lines = java.nio.file.Files.readAllLines(log);
            int start = 0;
            for (int i = 0; i < lines.size(); i++) if (lines.get(i).startsWith("$ ")) start = i;
            if (lines.subList(start, lines.size()).stream().anyMatch(l -> l.contains(line))) return true;
            Thread.sleep(200);
        }
        return false;
    }

    /**
     * A host outside the cluster behind n1, as a service on the node's network would be: its own namespace on a veth
     * from n1 (198.51.100.1/24 on n1's side, routed to by the other nodes), holding the names' addresses, with a TCP
     * server on 443 and (scenario 13) the Kafka broker. What toFQDNs opens.
     */
    private String outside(LabNetwork.Node n) throws Exception {
        String ns = n.netns() + "-ext";
        if (NetworkNamespace.exists(ns)) NetworkNamespace.delete(ns);
        NetworkNamespace.create(ns);
        closing.add(() -> NetworkNamespace.delete(ns));
        try (RouteNetlink rt = RouteNetlink.open(n.netns())) {
            rt.createVethPair("ext0", "ext0peer");
            rt.moveToNamespace("ext0peer", ns);
            rt.addAddress("ext0", IpPrefix.parse("198.51.100.1/24"));
            rt.setUp("ext0", true);
        }
        try (RouteNetlink rt = RouteNetlink.open(ns)) {
            rt.setUp("lo", true);
            for (InetAddress a : List.of(API, SHORT, UNRESOLVED, LATER, BROKER)) rt.addAddress("ext0peer", new IpPrefix(a, 24));
            rt.setUp("ext0peer", true);
            rt.addRoute(Route.via(IpPrefix.parse("0.0.0.0/0"), IpPrefix.address("198.51.100.1"), rt.indexOf("ext0peer"), Route.MAIN_TABLE));
        }
        // The other nodes reach it through n1, as a network routes to a subnet behind one of its hosts.
        for (LabNetwork.Node other : env.nodes()) {
            if (other.equals(n)) continue;
            try (RouteNetlink rt = RouteNetlink.open(other.netns())) {
                rt.addRoute(Route.via(IpPrefix.parse("198.51.100.0/24"), n.underlayIp(), rt.indexOf(other.uplink()), Route.MAIN_TABLE));
            }
        }
        ServerSocket server = NetworkNamespace.call(ns, () -> new ServerSocket(HTTPS, 50, InetAddress.getByName("0.0.0.0")));
        closing.add(PodTcp.echoServer(server, ns + ":443"));
        return ns;
    }

    /** {@code wardctl monitor --last 4000} on {@code n}: a line holding all the words of each of {@code wants}. */
    private void monitor(ScenarioRun s, LabNetwork.Node n, String[][] wants) throws Exception {
        WardJvm.Outcome o = env.jvm().wardctl("monitor", "--socket", env.cluster().apiSocket(n).toString(),
                "--last", "4000", "--timeout", "2s");
        List<String> lines = o.output().lines().toList();
        s.note("wardctl monitor --last 4000 on " + n.name() + " (exit " + o.exitCode() + "): " + lines.size() + " lines");
        for (String[] want : wants) {
            String line = lines.stream().filter(l -> Arrays.stream(want).allMatch(l::contains)).findFirst().orElse(null);
            s.check(line != null, "wardctl monitor shows " + String.join(" ", want) + (line == null ? ": missing" : ": " + line.strip()));
        }
    }

    private static PodTcp.Attempt connect(LabNetwork.Pod from, InetAddress to) {
        return connect(from, to, HTTPS);
    }

    private static PodTcp.Attempt connect(LabNetwork.Pod from, InetAddress to, int port) {
        return PodTcp.attempt(from, to, port, WAIT_MILLIS);
    }

    static List<InetAddress> addresses(Message m) {
        return m.getSection(Section.ANSWER).stream().filter(r -> r.getType() == Type.A).map(r -> ((ARecord) r).getAddress()).toList();
    }

    /**
     * A UDP lookup from {@code pod}, as its resolver library would send it to {@code server}:53; with a null pod, from
     * the namespace of the thread that asks. Like glibc's resolver it sends the query again when no answer came
     * within the timeout ({@value #LOOKUP_ATTEMPTS} attempts of 5 s, as {@code options attempts:3}): a guest whose
     * one CPU is busy elsewhere may answer late, and a lookup that gets no answer at all still fails.
     */
    static Message query(LabNetwork.Pod pod, InetAddress server, String name) throws IOException {
        Message q = Message.newQuery(Record.newRecord(Name.fromString(name.endsWith(".") ? name : name + "."), Type.A, DClass.IN));
        byte[] wire = q.toWire();
        try (DatagramSocket socket = pod == null ? new DatagramSocket()
                : NetworkNamespace.call(pod.netns(), () -> new DatagramSocket(new InetSocketAddress(pod.ip(), 0)))) {
            socket.setSoTimeout(5000);
            for (int attempt = 1; attempt <= LOOKUP_ATTEMPTS; attempt++) {
                socket.send(new DatagramPacket(wire, wire.length, new InetSocketAddress(server, 53)));
                DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
                try {
                    while (true) {
                        socket.receive(p);
                        Message answer = new Message(Arrays.copyOf(p.getData(), p.getLength()));
                        if (answer.getHeader().getID() == q.getHeader().getID()) return answer;
                    }
                } catch (SocketTimeoutException e) {
                    // sent again, or given up below
                }
            }
            throw new IOException("no answer to " + name + " from " + server.getHostAddress() + " in " + LOOKUP_ATTEMPTS + " attempts of 5 s (asked from "
                    + (pod == null ? "thread " + Thread.currentThread().getName() : pod) + ")");
        }
    }

    private static final int LOOKUP_ATTEMPTS = 3;

    @Override
    public void close() throws Exception {
        List<AutoCloseable> open = new java.util.ArrayList<>(closing);
        closing.clear();
        for (AutoCloseable c : open.reversed()) c.close();
    }
}
