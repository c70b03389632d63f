package dev.ward.cli.policy;

import dev.ward.cli.CliRun;
import static dev.ward.cli.CliRun.wardctl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ward.cli.CliExit;
import dev.ward.policy.identity.ClusterIdentityAllocator;
import dev.ward.policy.identity.IdentityBackend;
import dev.ward.policy.identity.IdentityLabelFilter;
import dev.ward.policy.identity.InMemoryIdentityBackend;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.label.LabelSource;
import dev.ward.policy.store.EtcdIdentityBackend;
import dev.ward.policy.store.KvPolicyStore;
import dev.ward.policy.trace.WorkloadLabels;
import dev.ward.store.kv.EtcdKv;
import dev.ward.testbed.EtcdProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code wardctl policy} end to end through the real command line, on the reference posts' policies. */
class PolicyCommandTest {
    private static final Path GOLDEN = Path.of(System.getProperty("user.dir")).getParent()
            .resolve("policy/src/test/resources/golden");

    private static String golden(String name) {
        return GOLDEN.resolve(name).toString();
    }

    @Test
    void validateReportsEachDocumentAndExitsNonZeroOnErrors() throws Exception {
        CliRun ok = wardctl("policy", "validate", golden("posts/000-egress-domain-wildcard.yaml"), golden("posts/004-cassandra.yaml"));
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.out().contains("ok       " + golden("posts/000-egress-domain-wildcard.yaml") + "#0  CiliumNetworkPolicy/default/egress-domain-wildcard"), ok.out());
        assertTrue(ok.out().contains("warning: specs[0]: fields [ingress] appear at the top level"), ok.out());

        CliRun bad = wardctl("policy", "validate", golden("cilium/sw-malformed.yaml"), golden("cilium/l3-simple.yaml"), "-o", "json");
        assertEquals(CliExit.FAILURE, bad.exit());
        assertTrue(bad.err().contains("wardctl: 1 of 2 documents invalid"), bad.err());
        JsonNode results = bad.json();
        assertEquals(false, results.get(0).get("valid").asBoolean());
        assertEquals("spec.egress", results.get(0).get("errors").get(1).get("path").asText());
        assertEquals("must be a list, not a mapping", results.get(0).get("errors").get(1).get("message").asText());
        assertEquals(true, results.get(1).get("valid").asBoolean());

        CliRun missing = wardctl("policy", "validate", "/nonexistent/policy.yaml");
        assertEquals(CliExit.FAILURE, missing.exit());
        assertTrue(missing.out().contains("cannot read"), missing.out());
    }

    @Test
    void traceExplainsTheDnsPostsVerdicts() throws Exception {
        CliRun allowed = wardctl("policy", "trace", "-f", golden("posts/000-egress-domain-wildcard.yaml"),
                "--src", "app=myService", "--dst", "io.kubernetes.pod.namespace=kube-system,k8s-app=kube-dns",
                "--dport", "53/UDP", "--dns-name", "api.domain.com", "-o", "json");
        assertEquals(0, allowed.exit(), allowed.err());
        JsonNode a = allowed.json();
        assertEquals("allowed", a.get("verdict").asText());
        assertTrue(a.get("decidingRules").get(0).asText().startsWith("CiliumNetworkPolicy/default/egress-domain-wildcard spec.egress[0]"), a.toString());

        JsonNode denied = wardctl("policy", "trace", "-f", golden("posts/000-egress-domain-wildcard.yaml"),
                "--src", "app=myService", "--dst", "198.51.100.7", "--dport", "443/TCP", "-o", "json").json();
        assertEquals("denied", denied.get("verdict").asText());
        assertEquals(true, denied.get("steps").get(0).get("byDefault").asBoolean());
        assertEquals("CiliumNetworkPolicy/default/egress-domain-wildcard spec", denied.get("decidingRules").get(0).asText());

        JsonNode fqdn = wardctl("policy", "trace", "-f", golden("posts/000-egress-domain-wildcard.yaml"),
                "--src", "app=myService", "--dst", "www.domain.com", "--dport", "443/TCP", "-o", "json").json();
        assertEquals("allowed", fqdn.get("verdict").asText());
        assertEquals("CiliumNetworkPolicy/default/egress-domain-wildcard spec.egress[1]", fqdn.get("decidingRules").get(0).asText());
    }

    @Test
    void traceExplainsTheKafkaAndCassandraPosts() throws Exception {
        JsonNode produce = wardctl("policy", "trace", "-f", golden("posts/002-kafka-behind-dns.yaml"),
                "--src", "app=empire-hq", "--dst", "kafka.mycorp.com", "--dport", "9092/TCP",
                "--kafka-api-key", "produce", "--kafka-topic", "deathstar-plans", "-o", "json").json();
        assertEquals("allowed", produce.get("verdict").asText());
        assertTrue(produce.get("decidingRules").get(0).asText().contains("[0].egress[0] {role=produce topic=deathstar-plans}"), produce.toString());
        JsonNode consume = wardctl("policy", "trace", "-f", golden("posts/002-kafka-behind-dns.yaml"),
                "--src", "app=outpost", "--dst", "kafka.mycorp.com", "--dport", "9092/TCP",
                "--kafka-api-key", "produce", "--kafka-topic", "empire-announce", "-o", "json").json();
        assertEquals("denied", consume.get("verdict").asText());

        CliRun cass = wardctl("policy", "trace", "-f", golden("posts/004-cassandra.yaml"),
                "--src", "app=empire-outpost", "--dst", "app=cass-server", "--dport", "9042/TCP",
                "--l7proto", "cassandra", "--l7", "query_action=select", "--l7", "query_table=system.local");
        assertEquals(0, cass.exit(), cass.err());
        assertTrue(cass.out().startsWith("verdict: ALLOWED"), cass.out());
        assertTrue(cass.out().contains("L7 rule admitting the request: CiliumNetworkPolicy/default/secure-empire-cassandra specs[0].ingress[0]"), cass.out());
    }

    @Test
    void traceWithHttpFieldsAndABadPolicyAmongGoodOnes(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("mixed.yaml");
        Files.writeString(f, Files.readString(Path.of(golden("cilium/sw-l3-l4-l7.yaml"))) + "\n---\n"
                + Files.readString(Path.of(golden("cilium/sw-malformed.yaml"))));
        CliRun r = wardctl("policy", "trace", "-f", f.toString(), "--src", "org=empire,class=tiefighter",
                "--dst", "org=empire,class=deathstar", "--dport", "80/TCP",
                "--http-method", "POST", "--http-path", "/v1/request-landing", "-o", "json");
        assertEquals(0, r.exit());
        assertTrue(r.err().contains("wardctl: skipping invalid CiliumNetworkPolicy badrule"), r.err());
        assertEquals("allowed", r.json().get("verdict").asText());
        JsonNode put = wardctl("policy", "trace", "-f", f.toString(), "--src", "org=empire,class=tiefighter",
                "--dst", "org=empire,class=deathstar", "--dport", "80/TCP",
                "--http-method", "PUT", "--http-path", "/v1/exhaust-port", "-o", "json").json();
        assertEquals("denied", put.get("verdict").asText());
        assertEquals("CiliumNetworkPolicy/default/rule1 spec.ingress[0]", put.get("decidingRules").get(0).asText());
    }

    @Test
    void traceRejectsBadArgumentsWithOneLine() {
        CliRun noSource = wardctl("policy", "trace", "--src", "app=a", "--dst", "app=b", "--dport", "80/TCP");
        assertEquals(CliExit.FAILURE, noSource.exit());
        assertEquals("wardctl: give policy files with -f FILE, or a store with --store k8s|etcd://HOST:PORT|dir:PATH\n", noSource.err());
        CliRun badPort = wardctl("policy", "trace", "-f", golden("cilium/l3-simple.yaml"), "--src", "app=a", "--dst", "app=b", "--dport", "http");
        assertEquals("wardctl: 'http' is not PORT/PROTO (e.g. 80/TCP)\n", badPort.err());
        CliRun usage = wardctl("policy", "trace", "--src", "app=a");
        assertEquals(CliExit.USAGE, usage.exit());
    }

    @Test
    void getPrintsTheVerdictTable() throws Exception {
        JsonNode t = wardctl("policy", "get", "-f", golden("cilium/l7-simple.yaml"), "--labels", "app=service",
                "--identity", "env=prod", "-o", "json").json();
        assertTrue(t.get("ingressEnforced").asBoolean());
        assertEquals("CiliumNetworkPolicy/default/rule1 spec", t.get("ingressEnforcedBy").get(0).asText());
        boolean anyRedirect = false;
        boolean prodAllow = false;
        for (JsonNode row : t.get("entries")) {
            if (row.get("remoteIdentity").asText().equals("any") && row.get("verdict").asText().equals("redirect")) {
                anyRedirect = row.get("l7Rules").get(0).asText().equals("method=GET path=/public") && row.get("ports").asText().equals("80");
            }
            if (row.get("remoteLabels").asText().contains("k8s:env=prod") && row.get("protocol").asText().equals("TCP")
                    && row.get("ports").asText().equals("*")) {
                prodAllow = row.get("verdict").asText().equals("allow");
            }
        }
        assertTrue(anyRedirect, t.toString());
        assertTrue(prodAllow, t.toString());
        CliRun text = wardctl("policy", "get", "-f", golden("cilium/l7-simple.yaml"), "--labels", "app=service");
        assertTrue(text.out().contains("ingress: default deny (CiliumNetworkPolicy/default/rule1 spec)"), text.out());
        assertTrue(text.out().contains("DIRECTION  REMOTE"), text.out());
    }

    @Test
    void traceAndGetReadPoliciesFromEtcd() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start(); EtcdKv kv = new EtcdKv(etcd.endpoint())) {
            String store = "etcd://" + etcd.endpoint().replace("http://", "");
            new KvPolicyStore(kv, KvPolicyStore.DEFAULT_PREFIX).put("CiliumNetworkPolicy", "default", "rule1",
                    Files.readString(Path.of(golden("cilium/sw-l3-l4.yaml"))));
            JsonNode r = wardctl("policy", "trace", "--store", store, "--src", "org=alliance,class=xwing",
                    "--dst", "org=empire,class=deathstar", "--dport", "80/TCP", "-o", "json").json();
            assertEquals("denied", r.get("verdict").asText());
            JsonNode ok = wardctl("policy", "trace", "--store", store, "--src", "org=empire,class=tiefighter",
                    "--dst", "org=empire,class=deathstar", "--dport", "80/TCP", "-o", "json").json();
            assertEquals("allowed", ok.get("verdict").asText());
            assertEquals("CiliumNetworkPolicy/default/rule1 spec.ingress[0]", ok.get("decidingRules").get(0).asText());
        }
    }

    /**
     * The store has numbered workloads already (as agents do, in their own order). Trace and get both start from
     * those numbers: the tiefighter is the same identity in the trace's ingress step and in the deathstar's table,
     * and it is the number the store gave it, not the first free one.
     */
    @Test
    void traceAndGetNumberIdentitiesAsTheStoreDoes() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start(); EtcdKv kv = new EtcdKv(etcd.endpoint());
             EtcdIdentityBackend backend = new EtcdIdentityBackend(kv, EtcdIdentityBackend.DEFAULT_PREFIX, 30)) {
            String store = "etcd://" + etcd.endpoint().replace("http://", "");
            new KvPolicyStore(kv, KvPolicyStore.DEFAULT_PREFIX).put("CiliumNetworkPolicy", "default", "rule1",
                    Files.readString(Path.of(golden("cilium/sw-l3-l4.yaml"))));
            LabelSet tiefighterLabels = WorkloadLabels.complete(LabelSet.parse("org=empire,class=tiefighter", LabelSource.K8S), "default");
            // The number an empty store would give the tiefighter (the first candidate its labels hash to) is taken
            // in this store by another workload, so the store's number for it is a different one.
            int firstCandidate = new ClusterIdentityAllocator(new InMemoryIdentityBackend(), "probe", 0, IdentityLabelFilter.DEFAULT)
                    .acquire(tiefighterLabels).id();
            assertEquals(new IdentityBackend.Claim.Claimed(), backend.claim(firstCandidate, "k8s:app=squatter"));
            ClusterIdentityAllocator agent = new ClusterIdentityAllocator(backend, "n1", 0, IdentityLabelFilter.DEFAULT);
            int tiefighter = agent.acquire(tiefighterLabels).id();
            assertTrue(tiefighter != firstCandidate);

            JsonNode trace = wardctl("policy", "trace", "--store", store, "--src", "org=empire,class=tiefighter",
                    "--dst", "org=empire,class=deathstar", "--dport", "80/TCP", "-o", "json").json();
            JsonNode ingress = null;
            for (JsonNode step : trace.get("steps")) if (step.get("direction").asText().equals("ingress")) ingress = step;
            assertEquals(String.valueOf(tiefighter), ingress.get("remoteIdentity").asText(), trace.toString());

            JsonNode table = wardctl("policy", "get", "--store", store, "--labels", "org=empire,class=deathstar",
                    "--identity", "org=empire,class=tiefighter", "-o", "json").json();
            boolean seen = false;
            for (JsonNode row : table.get("entries")) {
                if (row.get("remoteLabels").asText().contains("k8s:class=tiefighter")) {
                    assertEquals(String.valueOf(tiefighter), row.get("remoteIdentity").asText(), row.toString());
                    seen = true;
                }
            }
            assertTrue(seen, table.toString());
        }
    }
}
