package dev.ward.cli.status;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ward.agent.datapath.status.DatapathReport;
import dev.ward.agent.datapath.status.DatapathReports;
import dev.ward.agent.encryption.Cidr;
import dev.ward.agent.encryption.EncryptionSettings;
import dev.ward.agent.encryption.EspCipher;
import dev.ward.agent.encryption.IpLiterals;
import dev.ward.agent.encryption.LocalNode;
import dev.ward.agent.encryption.agent.EncryptionAgent;
import dev.ward.agent.encryption.agent.EncryptionAgentConfig;
import dev.ward.agent.encryption.agent.KeyringFile;
import dev.ward.agent.encryption.store.EncryptionStore;
import dev.ward.agent.encryption.store.EncryptionStores;
import dev.ward.agent.identity.AgentSettings;
import dev.ward.agent.ipcache.EndpointRecords;
import dev.ward.agent.ipcache.NodeEndpoints;
import dev.ward.agent.identity.KeydChannel;
import dev.ward.agent.identity.NodeIdentityAgent;
import dev.ward.cli.CliRun;
import dev.ward.cli.encryption.MemoryKernel;
import dev.ward.keyd.KeydSettings;
import dev.ward.keyd.daemon.KeyDaemon;
import dev.ward.keyd.store.IdentityStores;
import dev.ward.store.ClusterStore;
import dev.ward.store.StoreAccess;
import dev.ward.store.StoreLocation;
import dev.ward.store.kv.EtcdKv;
import dev.ward.store.kv.KvTxn;
import dev.ward.testbed.EtcdProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static dev.ward.cli.CliRun.wardctl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code wardctl status} against two real agents (SVIDs from keyd, encryption agents on in-memory kernels) on a real
 * etcd: healthy, then each way of being unhealthy the command defines, and {@code wardctl node remove} on the way.
 */
class StatusCommandTest {
    private final Clock clock = Clock.systemUTC();
    private final List<AutoCloseable> running = new ArrayList<>();

    @TempDir
    Path tmp;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : running.reversed()) c.close();
    }

    @Test
    void statusReportsEachNodeAndExitsNonZeroWhenOneIsUnhealthy() throws Exception {
        EtcdProcess etcd = open(EtcdProcess.start());
        String store = "etcd://127.0.0.1:" + etcd.clientPort();
        String caKey = tmp.resolve("ca-keyring.pem").toString();
        assertEquals(0, wardctl("ca", "init", "--store", store, "--ca-key-file", caKey, "--trust-domain", "status.test").exit());
        StoreLocation location = StoreLocation.parse(store);
        open(KeyDaemon.start(open(IdentityStores.open(location, Path.of(caKey))), KeydSettings.defaults(), clock, "test"));
        open(agent(store, "n1", 1));
        AutoCloseable n2 = agent(store, "n2", 2);

        // Healthy alone is not enough to go on: a node that has not met its peer yet is healthy too.
        JsonNode healthy = await("both nodes healthy and encrypting to each other", json -> json.path("healthy").asBoolean()
                        && json.path("nodes").size() == 2
                        && json.at("/nodes/0/sections/encryption/details/encryptedPeers").size() == 1
                        && json.at("/nodes/1/sections/encryption/details/encryptedPeers").size() == 1,
                "status", "-o", "json", "--store", store);
        JsonNode n1 = healthy.get("nodes").get(0);
        assertEquals("n1", n1.get("node").asText());
        assertTrue(n1.at("/sections/identity/details/secondsLeft").asLong() > 23 * 3600, n1.toString());
        assertEquals("n2", n1.at("/sections/encryption/details/encryptedPeers/0").asText(), n1.toString());
        CliRun screen = wardctl("status", "--store", store);
        assertEquals(0, screen.exit(), screen.err());
        assertTrue(screen.out().contains("Node n1: healthy\n  identity    SVID "), screen.out());
        assertTrue(screen.out().contains("  encryption  epoch ") && screen.out().contains("encrypts to 1/1 peers (n2)"), screen.out());

        // An SVID with less time left than the warning: renewal would be failing.
        CliRun expiring = wardctl("status", "--svid-warning", "30d", "--store", store);
        assertEquals(1, expiring.exit(), expiring.out());
        assertTrue(expiring.err().contains("unhealthy: n1 (identity: its SVID expires in "), expiring.err());
        assertTrue(expiring.out().contains("Node n1: UNHEALTHY"), expiring.out());

        // A peer refused: an unreadable announcement of n9 lands in the store.
        try (EtcdKv kv = new EtcdKv(etcd.endpoint())) {
            kv.commit(new KvTxn().put("/ward/encryption/announcements/n9", "{not an announcement"));
        }
        JsonNode refusing = await("n1 to refuse n9", json -> !json.path("healthy").asBoolean(), "status", "-o", "json", "n1", "--store", store);
        assertTrue(refusing.at("/nodes/0/problems/0").asText().startsWith("encryption: refuses peer n9"), refusing.toString());
        assertEquals(1, wardctl("status", "n1", "--store", store).exit());
        CliRun removeN9 = wardctl("node", "remove", "n9", "--store", store);
        assertEquals(0, removeN9.exit(), removeN9.err());
        assertTrue(removeN9.out().contains("node n9: removed its encryption announcement and status"), removeN9.out());
        await("n1 to forget n9", json -> json.path("healthy").asBoolean(), "status", "-o", "json", "--store", store);

        // n2's agent stops and its status record is lost while n1 still encrypts to it.
        n2.close();
        running.remove(n2);
        try (EtcdKv kv = new EtcdKv(etcd.endpoint())) {
            kv.commit(new KvTxn().delete("/ward/encryption/status/n2"));
        }
        CliRun missing = wardctl("status", "--store", store);
        assertEquals(1, missing.exit(), missing.out());
        assertTrue(missing.err().contains("n2 (encryption: its peers encrypt to it, but it reports no encryption status)"), missing.err());

        // n2 left: removing it takes its announcement; n1 drops it and the cluster is healthy again.
        CliRun remove = wardctl("node", "remove", "n2", "--store", store);
        assertEquals(0, remove.exit(), remove.err());
        JsonNode after = await("n1 to drop n2", json -> json.path("healthy").asBoolean(), "status", "-o", "json", "--store", store);
        assertEquals(0, after.at("/nodes/0/sections/encryption/details/peers").size(), after.toString());
        assertEquals("not running (the agent runs without --underlay-ip)", after.at("/nodes/1/sections/encryption/lines/0").asText(), after.toString());
        CliRun again = wardctl("node", "remove", "n2", "--store", store);
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("node n2 has no per-node records"), again.err());
    }

    @Test
    void aDatapathFailedClosedARefusedProgramAStaleOrAMissingReportMakeTheNodeUnhealthy() throws Exception {
        EtcdProcess etcd = open(EtcdProcess.start());
        String store = "etcd://127.0.0.1:" + etcd.clientPort();
        String caKey = tmp.resolve("ca-keyring.pem").toString();
        assertEquals(0, wardctl("ca", "init", "--store", store, "--ca-key-file", caKey, "--trust-domain", "status.test").exit());
        open(KeyDaemon.start(open(IdentityStores.open(StoreLocation.parse(store), Path.of(caKey))), KeydSettings.defaults(), clock, "test"));
        open(agent(store, "n1", 1));
        ClusterStore records = open(ClusterStore.open(StoreLocation.parse(store), StoreAccess.EXISTING));
        DatapathReports reports = DatapathReports.on(records);
        DatapathReport.LockedEndpoint deathstar = new DatapathReport.LockedEndpoint("default/deathstar", List.of("ingress"),
                "policy-map-full: endpoint default/deathstar: policy map full");

        reports.write(new DatapathReport("n1", "bpf", 2, 2, List.of(), Map.of(), Map.of("dns", 40053, "http", 40080), clock.instant()));
        JsonNode healthy = await("n1 healthy with its datapath", json -> json.path("healthy").asBoolean(), "status", "-o", "json", "--store", store);
        assertEquals(2, healthy.at("/nodes/0/sections/datapath/details/endpoints").asInt(), healthy.toString());
        assertEquals(40053, healthy.at("/nodes/0/sections/proxies/details/dns").asInt(), healthy.toString());
        CliRun screen = wardctl("status", "--store", store);
        assertEquals(0, screen.exit(), screen.err());
        assertTrue(screen.out().contains("\n  datapath    bpf: 2 endpoints, 2 enforced, 0 failed closed; reported "), screen.out());
        assertTrue(screen.out().contains("\n  proxies     dns on port 40053, http on port 40080\n"), screen.out());

        reports.write(new DatapathReport("n1", "bpf", 2, 2, List.of(deathstar), Map.of(), Map.of(), clock.instant()));
        CliRun locked = wardctl("status", "--store", store);
        assertEquals(1, locked.exit(), locked.out());
        assertTrue(locked.err().contains("unhealthy: n1 (datapath: endpoint default/deathstar is failed closed: its ingress traffic is dropped"
                + " (policy-map-full: endpoint default/deathstar: policy map full))"), locked.err());
        assertTrue(locked.out().contains("Node n1: UNHEALTHY") && locked.out().contains("              failed closed: default/deathstar (ingress): policy-map-full: "),
                locked.out());
        assertTrue(locked.out().contains("  proxies     none listening"), locked.out());
        JsonNode lockedJson = wardctl("status", "-o", "json", "--store", store).json();
        assertFalse(lockedJson.path("healthy").asBoolean());
        assertEquals("default/deathstar", lockedJson.at("/nodes/0/sections/datapath/details/locked/0/name").asText(), lockedJson.toString());

        reports.write(new DatapathReport("n1", "bpf", 2, 2, List.of(), Map.of("egress", "BPF program 'from_pod' was refused by the kernel's verifier: R0 !read_ok"),
                Map.of(), clock.instant()));
        CliRun refused = wardctl("status", "--store", store);
        assertEquals(1, refused.exit(), refused.out());
        assertTrue(refused.err().contains("n1 (datapath: the verifier refused its egress program: every endpoint's egress traffic is dropped)"), refused.err());

        // Its agent stopped writing an hour ago.
        reports.write(new DatapathReport("n1", "bpf", 2, 2, List.of(), Map.of(), Map.of(), clock.instant().minus(Duration.ofHours(1))));
        CliRun stale = wardctl("status", "--store", store);
        assertEquals(1, stale.exit(), stale.out());
        assertTrue(stale.err().contains("n1 (datapath: its report is 1h old (over 15m): its agent is not running or cannot write to the store)"), stale.err());
        assertEquals(0, wardctl("status", "--stale-after", "2h", "--store", store).exit(), "younger than the limit asked for");

        // It publishes endpoints, but its report is gone.
        assertTrue(reports.remove("n1"));
        try (EndpointRecords endpoints = EndpointRecords.on(records)) {
            endpoints.publish(new NodeEndpoints("n1", List.of(new NodeEndpoints.Published("default/web", List.of("10.246.1.5/32"), 4242))));
        }
        CliRun missing = wardctl("status", "--store", store);
        assertEquals(1, missing.exit(), missing.out());
        assertTrue(missing.err().contains("n1 (datapath: it publishes endpoints, but reports no datapath)"), missing.err());
        assertTrue(missing.out().contains("  proxies     unknown (no datapath report)"), missing.out());

        // n1 leaves: its report goes with its other records.
        reports.write(new DatapathReport("n1", "bpf", 2, 2, List.of(), Map.of(), Map.of(), clock.instant()));
        CliRun remove = wardctl("node", "remove", "n1", "--store", store);
        assertEquals(0, remove.exit(), remove.err());
        assertTrue(remove.out().contains("datapath report"), remove.out());
        assertEquals(java.util.Set.of(), reports.nodes());
    }

    private AutoCloseable agent(String store, String node, int index) throws Exception {
        String token = wardctl("node", "token", "create", node, "--store", store).out().trim();
        ClusterStore connection = ClusterStore.open(StoreLocation.parse(store), StoreAccess.EXISTING);
        KeydChannel keyd = KeydChannel.on(connection, clock);
        Path state = tmp.resolve("state-" + node);
        NodeIdentityAgent identity = NodeIdentityAgent.start(AgentSettings.defaults(node, state), keyd.requester(), keyd.trust(), token, clock);
        EncryptionStore records = EncryptionStores.open(StoreLocation.parse(store), clock);
        LocalNode local = new LocalNode(node, List.of(IpLiterals.parse("192.168.61." + index)), List.of(Cidr.parse("10.246." + index + ".0/24")));
        EncryptionAgentConfig config = new EncryptionAgentConfig(local,
                new EncryptionSettings(EspCipher.AES_128_GCM, List.of(Cidr.parse("10.246.0.0/16")), Duration.ofMillis(200)), Duration.ofHours(24), clock);
        EncryptionAgent agent = new EncryptionAgent(config, records, identity, new KeyringFile(state), () -> Map.of("XfrmInNoStates", 0L));
        agent.start(new MemoryKernel());
        return () -> {
            agent.close();
            records.close();
            identity.close();
            connection.close();
        };
    }

    private <T extends AutoCloseable> T open(T closeable) {
        running.add(closeable);
        return closeable;
    }

    private static JsonNode await(String what, Predicate<JsonNode> condition, String... args) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            CliRun run = wardctl(args);
            JsonNode json = run.json();
            if (condition.test(json)) return json;
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what + "; last: " + json + "\n" + run.err());
            Thread.sleep(100);
        }
    }
}
