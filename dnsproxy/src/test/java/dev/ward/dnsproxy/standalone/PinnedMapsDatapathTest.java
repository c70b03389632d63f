package dev.ward.dnsproxy.standalone;

import dev.ward.bpf.datapath.Datapath;
import dev.ward.bpf.lab.PodLab;
import dev.ward.bpf.lab.PolicyWorld;
import dev.ward.bpf.maps.PolicyKey;
import dev.ward.bpf.maps.PolicyValue;
import dev.ward.dnsproxy.snapshot.DnsSnapshot;
import dev.ward.dnsproxy.snapshot.LocalIdentityTranslation;
import dev.ward.dnsproxy.snapshot.SnapshotEngine;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.IdentityNumbers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The standalone proxy's writes into the agent's pinned maps, on this host's kernel: a name the agent had learned keeps
 * the agent's identity number and entries, also when the standalone forgets it; what the standalone learned alone gets a
 * number of its own and is removed again when it forgets it.
 */
class PinnedMapsDatapathTest {
    static final String POLICY = dev.ward.dnsproxy.testing.TestPolicies.FQDN_EXAMPLE;
    static final InetAddress AGENTS = IpPrefix.address("192.0.2.10");
    static final InetAddress OWN = IpPrefix.address("192.0.2.11");

    PodLab lab;
    PinnedMapsDatapath pinned;

    @BeforeEach
    void up() {
        lab = PodLab.create(1);
    }

    @AfterEach
    void down() {
        if (pinned != null) pinned.close();
        lab.close();
    }

    @Test
    void theAgentsEntriesStayAndTheStandalonesOwnGoWhenItForgets() {
        PolicyWorld agent = new PolicyWorld(lab);
        Identity client = agent.endpoint(1, 1001, "app=client");
        agent.upsert(StandaloneOnPinnedMapsTest.policy(POLICY));
        agent.apply(agent.engine().learnFqdn("a.example.test", List.of(AGENTS)));
        Datapath dp = lab.datapath();
        Map<IpPrefix, Integer> agentIpcache = dp.ipcache().entries();
        Map<PolicyKey, PolicyValue> agentRows = dp.policyEntries("pod1");
        int agentsId = agentIpcache.get(IpPrefix.host(AGENTS));
        assertTrue(agentRows.keySet().stream().anyMatch(k -> k.identity() == agentsId), "the agent wrote the learned name's row");
        lab.closeDatapath();

        DnsSnapshot snapshot = DnsSnapshot.of(1, "default", List.of(new DnsSnapshot.Document("store/fqdn", POLICY)), Map.of(),
                List.of(client), List.of(DnsSnapshot.EndpointEntry.of(new LocalEndpoint("pod1", client), List.of(lab.pod(1).ipv4()))),
                List.of(), Map.of());
        PolicyEngine engine = SnapshotEngine.build(snapshot).engine();
        pinned = PinnedMapsDatapath.at(lab.config().pinRoot());
        LocalIdentityTranslation translation = new LocalIdentityTranslation(pinned, pinned);
        pinned.snapshotInForce(snapshot);
        translation.engineBuilt(engine);

        translation.apply(engine.learnFqdn("a.example.test", List.of(AGENTS))).join();
        translation.apply(engine.learnFqdn("b.example.test", List.of(OWN))).join();
        Datapath look = Datapath.open(lab.config());
        lab.adopt(look);
        Map<IpPrefix, Integer> learned = look.ipcache().entries();
        assertEquals(agentsId, learned.get(IpPrefix.host(AGENTS)), "a prefix the agent held keeps the agent's number");
        Integer ownId = learned.get(IpPrefix.host(OWN));
        assertNotNull(ownId, "the standalone's own address is in the ipcache: " + learned);
        assertTrue(IdentityNumbers.isNodeLocal(ownId));
        assertNotEquals(agentsId, (int) ownId);
        assertTrue(identitiesOfRows(look).contains(ownId), "a row for the standalone's own address");

        translation.apply(engine.forgetFqdn("a.example.test", AGENTS)).join();
        translation.apply(engine.forgetFqdn("b.example.test", OWN)).join();
        Map<IpPrefix, Integer> after = look.ipcache().entries();
        assertEquals(agentIpcache, after, "the agent's ipcache is as the agent left it, the standalone's own entry gone");
        assertEquals(agentRows, look.policyEntries("pod1"), "the agent's rows are as the agent left them, the standalone's own gone");
        assertFalse(identitiesOfRows(look).contains(ownId));
        assertNull(after.get(IpPrefix.host(OWN)));
    }

    @Test
    void noPinnedDatapathIsNamed() {
        PinnedMapsDatapath nowhere = PinnedMapsDatapath.at(lab.bpffs().resolve("not-the-agents"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> nowhere.snapshotInForce(
                DnsSnapshot.of(1, "default", List.of(), Map.of(), List.of(), List.of(), List.of(), Map.of("dns", 10053))));
        assertTrue(e.getMessage().contains("not-the-agents") && e.getMessage().contains("--bpf-pin-root"), e.getMessage());
    }

    private static Set<Integer> identitiesOfRows(Datapath dp) {
        return dp.policyEntries("pod1").keySet().stream().map(PolicyKey::identity).collect(Collectors.toSet());
    }
}
