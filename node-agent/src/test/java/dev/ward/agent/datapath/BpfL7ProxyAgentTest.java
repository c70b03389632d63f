package dev.ward.agent.datapath;

import dev.ward.agent.Subsystem;
import dev.ward.agent.flows.Flow;
import dev.ward.agent.flows.FlowDetail;
import dev.ward.agent.flows.FlowHub;
import dev.ward.agent.flows.FlowJson;
import dev.ward.agent.flows.FlowVerdict;
import dev.ward.agent.flows.FlowsConfig;
import dev.ward.agent.flows.FlowsSubsystem;
import dev.ward.agent.flows.log.FlowLogConfig;
import dev.ward.agent.l7.L7ProxyConfig;
import dev.ward.agent.l7.L7ProxySubsystem;
import dev.ward.agentapi.AgentClient;
import dev.ward.agentapi.AgentStream;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.agentapi.FlowFilter;
import dev.ward.bpf.lab.Pod;
import dev.ward.bpf.lab.Traffic;
import dev.ward.l7proxy.proxy.L7Proxy;
import dev.ward.policy.model.Direction;
import dev.ward.policy.store.KvPolicyStore;
import dev.ward.testbed.Eventually;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The agent's L7 proxy on the BPF datapath of this host's kernel: pods in real namespaces behind real veths, real
 * nginx, memcached and curl, policies from the agent's store. Flows with L7 rules are redirected to the proxy with
 * their original destination; the proxy judges each request by the endpoint's table, with the client's identity as
 * the kernel's ipcache has it; the server still sees the client's own address; access events reach the flow hub
 * (followed over the agent's socket, as {@code wardctl monitor --type l7} does) and the flow log, and the counters
 * the agent's registry.
 */
class BpfL7ProxyAgentTest {
    /** Cilium's sw_l3_l4_l7_policy, as published (only POST /v1/request-landing from org=empire). */
    static final String STAR_WARS_L7 = read("cilium/sw-l3-l4-l7");
    static final String ARCHIVE_EGRESS = """
            apiVersion: "cilium.io/v2"
            kind: CiliumNetworkPolicy
            metadata:
              name: "spy-reads-public-plans"
            spec:
              endpointSelector:
                matchLabels:
                  role: spy
              egress:
              - toEndpoints:
                - matchLabels:
                    app: archive
                toPorts:
                - ports:
                  - port: "8080"
                    protocol: TCP
                  rules:
                    http:
                    - method: "GET"
                      path: "/public/.*"
            """;

    @TempDir
    Path tmp;

    private PodNode node;
    private BpfAgent agent;
    private final PodServers servers = new PodServers();

    @BeforeEach
    void wire() throws Exception {
        node = new PodNode();
    }

    @AfterEach
    void close() throws Exception {
        servers.close();
        if (agent != null) agent.close();
        node.close();
    }

    static String read(String golden) {
        try {
            return Files.readString(Path.of("../policy/src/test/resources/golden/" + golden + ".yaml"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void start(String... policies) throws Exception {
        KvPolicyStore store = new KvPolicyStore(BpfAgent.kv(tmp), KvPolicyStore.DEFAULT_PREFIX);
        for (int i = 0; i < policies.length; i++) store.put("CiliumNetworkPolicy", "default", "p" + i, policies[i]);
        List<Subsystem> more = List.of(
                new FlowsSubsystem(new FlowsConfig(FlowHub.Settings.DEFAULT, Optional.of(new FlowLogConfig(flowLog(), 1 << 20, 2)))),
                new L7ProxySubsystem(L7ProxyConfig.DEFAULT, node.netns()));
        agent = BpfAgent.start(node, tmp, more);
    }

    private Path flowLog() {
        return tmp.resolve("log/flows.jsonl");
    }

    private Pod pod(String name, Map<String, String> labels) throws Exception {
        Pod p = node.addPod();
        ApiResponse r = agent.ask(node.add(p, name, labels));
        assertInstanceOf(ApiResponse.Ready.class, r, r.toString());
        return p;
    }

    private static String url(Pod p, int port, String path) {
        return "http://" + p.ipv4().getHostAddress() + ":" + port + path;
    }

    /** The L7 flows followed over the agent's socket until one matches {@code p}. */
    private Flow followL7(Predicate<Flow> p, String what) throws Exception {
        FlowFilter l7 = new FlowFilter(List.of("l7"), null, null, null, null, null, null, null, null, null, null);
        List<Flow> seen = new ArrayList<>();
        try (AgentStream s = new AgentClient(agent.socket, Duration.ofSeconds(5)).stream(new ApiRequest.FollowFlows(l7, 1000))) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline) {
                ApiResponse r = s.next();
                if (r instanceof ApiResponse.HistoryEnd) continue;
                if (!(r instanceof ApiResponse.Flow f)) throw new AssertionError("expected a flow, got " + r);
                Flow flow = FlowJson.fromJson(f.flow());
                if (p.test(flow)) return flow;
                seen.add(flow);
            }
        }
        throw new AssertionError("no L7 flow " + what + " among " + seen);
    }

    private static FlowDetail.L7 l7(Flow f) {
        return (FlowDetail.L7) f.detail();
    }

    private static Predicate<Flow> request(String field, String value, FlowVerdict verdict) {
        return f -> f.detail() instanceof FlowDetail.L7 d && d.event().equals("request") && value.equals(d.fields().get(field))
                && f.verdict() == verdict;
    }

    @Test
    void starWarsHttpRuleOnTheDeathstarLandsPostsRefusesTheExhaustPortAndKeepsTheConnection() throws Exception {
        start(STAR_WARS_L7);
        Pod tiefighter = pod("tiefighter", Map.of("org", "empire", "class", "tiefighter"));
        Pod xwing = pod("xwing", Map.of("org", "alliance", "class", "xwing"));
        Pod deathstar = pod("deathstar", Map.of("org", "empire", "class", "deathstar"));
        servers.nginx(deathstar, 80, tmp.resolve("nginx"));
        int ingressPort = agent.agent.service(L7Proxy.class).address(Direction.INGRESS).getPort();
        assertEquals(ingressPort, agent.agent.service(ProxyPortTable.class).portFor("default/deathstar", Direction.INGRESS, "http"));

        dev.ward.testbed.NamespaceServers.Run landed = PodServers.curl(tiefighter, "-X", "POST", url(deathstar, 80, "/v1/request-landing"));
        assertEquals("landed " + tiefighter.ipv4().getHostAddress() + " POST /v1/request-landing\n|200 1\n", landed.output(),
                "allowed, and the deathstar saw the tiefighter's own address, not the proxy's");

        // One connection: the denied PUT gets the proxy's 403, and the POST after it on the same connection lands.
        dev.ward.testbed.NamespaceServers.Run both = PodServers.curl(tiefighter, "-X", "PUT", url(deathstar, 80, "/v1/exhaust-port"),
                "--next", "-s", "--max-time", "5", "-w", "|%{http_code} %{num_connects}\\n", "-X", "POST", url(deathstar, 80, "/v1/request-landing"));
        assertEquals("Access denied\r\n|403 1\nlanded " + tiefighter.ipv4().getHostAddress() + " POST /v1/request-landing\n|200 0\n",
                both.output(), "403 for the exhaust port, then the landing on the connection kept open (0 new connections)");
        assertEquals("|403 1\n", PodServers.curl(tiefighter, url(deathstar, 80, "/v1/request-landing")).output().replaceFirst("^Access denied\r\n", ""),
                "a GET is not the rule's POST");
        dev.ward.testbed.NamespaceServers.Run rebel = PodServers.curl(xwing, "--max-time", "2", "-X", "POST", url(deathstar, 80, "/v1/request-landing"));
        assertTrue(rebel.output().endsWith("|000 0\n") || rebel.output().endsWith("|000 1\n"), "org=alliance is not even connected: " + rebel);

        List<String> access = Files.readAllLines(tmp.resolve("nginx/access.log"));
        assertEquals(List.of(tiefighter.ipv4().getHostAddress() + " POST /v1/request-landing 200",
                tiefighter.ipv4().getHostAddress() + " POST /v1/request-landing 200"), access, "denied requests never reached nginx");

        Flow denied = followL7(request("path", "/v1/exhaust-port", FlowVerdict.DROPPED), "denying the exhaust port");
        assertEquals("http", l7(denied).parser());
        assertEquals("PUT", l7(denied).fields().get("method"));
        assertEquals(Direction.INGRESS, denied.direction());
        assertEquals(tiefighter.ipv4(), denied.source().address());
        assertTrue(denied.source().labels().containsAll(List.of("k8s:org=empire", "k8s:class=tiefighter")),
                "the source identity is the tiefighter's, from the ipcache: " + denied.source());
        assertEquals(deathstar.ipv4(), denied.destination().address());
        assertEquals(80, denied.destination().port(), "the original destination");
        Flow allowed = followL7(request("path", "/v1/request-landing", FlowVerdict.FORWARDED), "allowing the landing");
        assertEquals("POST", l7(allowed).fields().get("method"));
        assertFalse(allowed.rules().isEmpty(), "the rule that allowed it is named");
        followL7(f -> f.detail() instanceof FlowDetail.L7 d && d.event().equals("reply") && "200".equals(d.status()), "the landing's 200 reply");

        Eventually.await(Duration.ofSeconds(5), "L7 flows in the flow log", () -> {
            try {
                return Files.exists(flowLog()) && Files.readString(flowLog()).contains("/v1/exhaust-port");
            } catch (java.io.IOException e) {
                return false;
            }
        });
        assertEquals(2, agent.metric("ward_l7_requests", "parser", "http", "verdict", "forwarded"), "the two landings");
        assertEquals(2, agent.metric("ward_l7_requests", "parser", "http", "verdict", "denied"), "the PUT and the GET");
    }

    @Test
    void theSeedsMemcachedPolicyLetsMaintenanceWriteTheFleetAndMonitoringOnlyRead() throws Exception {
        start(read("posts/004-memcached"));
        Pod maintenance = pod("fleet-maintenance", Map.of("function", "fleet-maintanence"));
        Pod monitoring = pod("fleet-monitoring", Map.of("function", "fleet-monitoring"));
        Pod memcached = pod("memcached", Map.of("app", "memcached"));
        servers.memcached(memcached, 11211, tmp.resolve("memcached.log"));

        try (Memcache m = Memcache.connect(maintenance, memcached)) {
            assertEquals("STORED", m.call("set alliance/fleet/xwing-7 0 0 5\r\nready\r\n"));
            assertEquals("CLIENT_ERROR access denied", m.call("set empire/plans 0 0 4\r\nlost\r\n"), "outside alliance/fleet/");
            assertEquals("VALUE alliance/fleet/xwing-7 0 5|ready|END", m.call("get alliance/fleet/xwing-7\r\n"), "the connection stays usable");
        }
        try (Memcache m = Memcache.connect(monitoring, memcached)) {
            assertEquals("VALUE alliance/fleet/xwing-7 0 5|ready|END", m.call("get alliance/fleet/xwing-7\r\n"));
            assertEquals("CLIENT_ERROR access denied", m.call("set alliance/fleet/xwing-7 0 0 4\r\ngone\r\n"), "monitoring only reads");
            assertEquals("VALUE alliance/fleet/xwing-7 0 5|ready|END", m.call("get alliance/fleet/xwing-7\r\n"), "the denied set never reached memcached");
        }
        Flow denied = followL7(request("key", "alliance/fleet/xwing-7", FlowVerdict.DROPPED), "denying monitoring's set");
        assertEquals("memcache", l7(denied).parser());
        assertEquals("set", l7(denied).fields().get("command"));
        assertEquals(monitoring.ipv4(), denied.source().address());
        assertTrue(denied.source().labels().contains("k8s:function=fleet-monitoring"), denied.source().toString());
        assertEquals(2, agent.metric("ward_l7_requests", "parser", "memcache", "verdict", "denied"), "the two refused sets");
        assertEquals(4, agent.metric("ward_l7_requests", "parser", "memcache", "verdict", "forwarded"), "a set and three gets");
    }

    @Test
    void aPodsEgressHttpRulesAreEnforcedByTheEgressListenerAndTheServerSeesThePod() throws Exception {
        start(ARCHIVE_EGRESS);
        Pod spy = pod("spy", Map.of("role", "spy"));
        Pod archive = pod("archive", Map.of("app", "archive"));
        servers.nginx(archive, 8080, tmp.resolve("nginx"));

        assertEquals("landed " + spy.ipv4().getHostAddress() + " GET /public/plans\n|200 1\n",
                PodServers.curl(spy, url(archive, 8080, "/public/plans")).output());
        assertEquals("Access denied\r\n|403 1\n", PodServers.curl(spy, url(archive, 8080, "/secret/plans")).output());
        assertEquals("Access denied\r\n|403 1\n", PodServers.curl(spy, "-X", "DELETE", url(archive, 8080, "/public/plans")).output());
        Flow denied = followL7(request("path", "/secret/plans", FlowVerdict.DROPPED), "denying the secret plans");
        assertEquals(Direction.EGRESS, denied.direction());
        assertEquals(archive.ipv4(), denied.destination().address());
        assertTrue(denied.destination().labels().contains("k8s:app=archive"), "the destination's identity: " + denied.destination());
        assertEquals(List.of(spy.ipv4().getHostAddress() + " GET /public/plans 200"), Files.readAllLines(tmp.resolve("nginx/access.log")));
    }

    /** A memcached text-protocol client on a connection from a pod. */
    private record Memcache(SocketChannel channel, BufferedReader in) implements AutoCloseable {
        static Memcache connect(Pod from, Pod server) throws Exception {
            SocketChannel c = Traffic.connect(from, server.ipv4(), 11211, Duration.ofSeconds(3));
            assertNotNull(c, "connects to memcached");
            c.socket().setSoTimeout(5000);
            return new Memcache(c, new BufferedReader(new InputStreamReader(c.socket().getInputStream(), StandardCharsets.US_ASCII)));
        }

        /** Sends {@code command}; its reply's lines joined by '|' (a retrieval's up to END). */
        String call(String command) throws Exception {
            channel.write(java.nio.ByteBuffer.wrap(command.getBytes(StandardCharsets.US_ASCII)));
            String first = in.readLine();
            if (first == null || !first.startsWith("VALUE")) return first;
            StringBuilder out = new StringBuilder(first);
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                out.append('|').append(line);
                if (line.equals("END")) break;
            }
            return out.toString();
        }

        @Override
        public void close() throws Exception {
            channel.close();
        }
    }
}
