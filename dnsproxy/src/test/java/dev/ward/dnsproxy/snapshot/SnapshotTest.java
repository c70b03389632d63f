package dev.ward.dnsproxy.snapshot;

import dev.ward.dnsproxy.testing.AgentSide;
import dev.ward.dnsproxy.testing.RecordingDatapath;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.parse.PolicyParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The snapshot format, and the standalone engine writing into maps the agent's engine filled. */
class SnapshotTest {
    static final String POLICY = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: p, namespace: default}
            spec:
              endpointSelector: {matchLabels: {app: client}}
              egress:
              - toCIDR: [10.96.0.10/32, 192.0.2.0/24]
                toPorts:
                - ports: [{port: "53", protocol: UDP}]
                  rules: {dns: [{matchPattern: "*.example.test"}]}
              - toFQDNs: [{matchPattern: "*.example.test"}]
                toPorts: [{ports: [{port: "443", protocol: TCP}]}]
            """;

    @TempDir
    Path dir;

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    DnsSnapshot snapshot(long generation) throws Exception {
        Identity client = AgentSide.pod(300, "app=client");
        return DnsSnapshot.of(generation, "default", List.of(new DnsSnapshot.Document("store/p", POLICY)), Map.of(),
                List.of(client), List.of(DnsSnapshot.EndpointEntry.of(new LocalEndpoint("default/client", client), List.of(ip("10.244.1.5")))),
                List.of(DnsSnapshot.AddressEntry.of(ip("10.244.2.9"), 400)));
    }

    @Test
    void writtenAtomicallyPrivateAndReadBack() throws Exception {
        Path f = dir.resolve("dns-snapshot.json");
        DnsSnapshotFile.write(f, snapshot(7));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        DnsSnapshot back = DnsSnapshotFile.read(f);
        assertEquals(7, back.generation());
        assertEquals(snapshot(7).documents(), back.documents());
        try (var s = Files.list(dir)) {
            assertEquals(List.of(f), s.toList(), "no temporary file left behind");
        }
    }

    @Test
    void proxyPortsRoundTripAndAVersionOneSnapshotStillReads() throws Exception {
        Path f = dir.resolve("dns-snapshot.json");
        DnsSnapshot s = snapshot(1);
        DnsSnapshot withPorts = DnsSnapshot.of(2, s.cluster(), s.documents(), Map.of(), List.of(AgentSide.pod(300, "app=client")),
                s.endpoints(), s.ipcache(), Map.of("dns", 10053, "http ingress", 15001, "http egress", 15002));
        DnsSnapshotFile.write(f, withPorts);
        DnsSnapshot back = DnsSnapshotFile.read(f);
        assertEquals(DnsSnapshot.VERSION, back.version());
        assertEquals(Map.of("dns", 10053, "http ingress", 15001, "http egress", 15002), back.proxyPorts());
        assertEquals(10053, back.proxyPortFor("dns", "egress"));
        assertEquals(15002, back.proxyPortFor("http", "egress"));
        assertEquals(15001, back.proxyPortFor("http", "ingress"));
        assertEquals(0, back.proxyPortFor("kafka", "egress"));

        Files.writeString(f, "{\"format\":\"ward-dns-snapshot\",\"version\":1,\"generation\":4,\"cluster\":\"c\","
                + "\"endpoints\":[{\"name\":\"e\",\"identity\":300,\"addresses\":[\"10.0.0.1\"]}]}");
        DnsSnapshot v1 = DnsSnapshotFile.read(f);
        assertEquals(4, v1.generation());
        assertEquals(Map.of(), v1.proxyPorts());
        assertEquals(0, v1.proxyPortFor("dns", "egress"));

        Files.writeString(f, "{\"format\":\"ward-dns-snapshot\",\"version\":2,\"generation\":1,\"cluster\":\"c\",\"proxyPorts\":{\"dns\":0}}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DnsSnapshotFile.read(f)).getMessage()
                .contains("proxyPorts.dns is 0"));
    }

    @Test
    void badSnapshotsAreRefusedNamingTheProblem() throws Exception {
        Path f = dir.resolve("s.json");
        Files.writeString(f, "{\"format\":\"ward-dns-snapshot\",\"version\":3,\"generation\":1,\"cluster\":\"c\"}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DnsSnapshotFile.read(f)).getMessage()
                .contains("snapshot version 3 is not supported"));
        Files.writeString(f, "{\"format\":\"ward-dns-snapshot\",\"version\":1,\"generation\":1,\"cluster\":\"c\",\"endpoints\":[{\"name\":\"e\",\"identity\":300,\"addresses\":[]}]}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DnsSnapshotFile.read(f)).getMessage()
                .contains("endpoint e has no addresses"));
        Files.writeString(f, "{\"format\":\"ward-dns-snapshot\",\"surprise\":1}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DnsSnapshotFile.read(f)).getMessage()
                .contains("surprise"));
        Files.writeString(f, "{not json");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DnsSnapshotFile.read(f)).getMessage()
                .contains("is not a DNS snapshot"));
    }

    @Test
    void aBrokenDocumentIsReportedAndTheRestApplies() throws Exception {
        DnsSnapshot s = snapshot(1);
        DnsSnapshot withBad = new DnsSnapshot(s.format(), s.version(), 1, s.writtenAt(), s.cluster(),
                List.of(s.documents().getFirst(), new DnsSnapshot.Document("store/bad", "kind: CiliumNetworkPolicy\nspec: [")),
                s.namedPorts(), s.identities(), s.endpoints(), s.ipcache(), s.proxyPorts());
        SnapshotEngine.Built b = SnapshotEngine.build(withBad);
        assertEquals(1, b.problems().size(), b.problems().toString());
        assertTrue(b.problems().getFirst().contains("store/bad"));
        assertEquals(1, b.endpoints().size());
        assertEquals(400, b.podAddresses().get(ip("10.244.2.9")));
    }

    /**
     * The agent's engine has a history (identities allocated and freed), so its node-local numbers differ from a
     * fresh engine's. The standalone engine's deltas, translated, must land in the agent's maps as the agent's own
     * would: new addresses allowed, nothing the agent wrote disturbed.
     */
    @Test
    void standaloneDeltasLandInTheAgentsNumbering() throws Exception {
        RecordingDatapath maps = new RecordingDatapath();
        PolicyEngine agent = new PolicyEngine("default");
        Identity client = AgentSide.pod(300, "app=client");
        maps.apply(agent.upsertIdentity(client)).join();
        // History: an address learned and forgotten, so the agent's numbers are not a fresh engine's.
        maps.apply(agent.learnFqdn("tmp.other", List.of(ip("203.0.113.1")))).join();
        maps.apply(agent.upsertPolicy(new PolicyParser().parse(POLICY, "p").getFirst().policy())).join();
        maps.apply(agent.learnFqdn("old.example.test", List.of(ip("198.51.100.1")))).join();
        maps.apply(agent.forgetFqdn("tmp.other", ip("203.0.113.1"))).join();
        maps.apply(agent.upsertEndpoint(new LocalEndpoint("default/client", client))).join();
        maps.apply(agent.learnFqdn("api.example.test", List.of(ip("198.51.100.2")))).join();
        int agentIdOfCidr = maps.identityOf(ip("192.0.2.77"));

        SnapshotEngine.Built b = SnapshotEngine.build(snapshot(1));
        LocalIdentityTranslation t = new LocalIdentityTranslation(maps, maps);
        t.engineBuilt(b.engine());
        // The agent's names (from its journal), replayed into the standalone engine without writing.
        t.observe(b.engine().learnFqdn("old.example.test", List.of(ip("198.51.100.1"))));
        t.observe(b.engine().learnFqdn("api.example.test", List.of(ip("198.51.100.2"))));

        // A new name, and one new name for an address the agent already knows: written through the translation.
        EngineDelta fresh = b.engine().learnFqdn("new.example.test", List.of(ip("198.51.100.3")));
        t.apply(fresh).join();
        t.apply(b.engine().learnFqdn("www.example.test", List.of(ip("198.51.100.2")))).join();

        assertTrue(maps.allows("default/client", ip("198.51.100.3"), Protocol.TCP, 443));
        assertTrue(maps.allows("default/client", ip("198.51.100.1"), Protocol.TCP, 443), "the agent's learned address still allowed");
        assertTrue(maps.allows("default/client", ip("198.51.100.2"), Protocol.TCP, 443));
        assertFalse(maps.allows("default/client", ip("198.51.100.3"), Protocol.TCP, 80));
        assertEquals(agentIdOfCidr, maps.identityOf(ip("192.0.2.77")), "the policy CIDR keeps the agent's identity");
        int newId = maps.identityOf(ip("198.51.100.3"));
        assertTrue(newId > agentIdOfCidr + 1000, "a new address is numbered from the top, away from the agent's allocations");
        // Forgetting the standalone's own name removes only its address.
        t.apply(b.engine().forgetFqdn("new.example.test", ip("198.51.100.3"))).join();
        assertFalse(maps.allows("default/client", ip("198.51.100.3"), Protocol.TCP, 443));
        assertTrue(maps.allows("default/client", ip("198.51.100.2"), Protocol.TCP, 443));
    }
}
