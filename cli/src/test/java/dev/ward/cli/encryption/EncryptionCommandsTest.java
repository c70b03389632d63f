package dev.ward.cli.encryption;

import dev.ward.store.ClusterStore;
import dev.ward.store.StoreAccess;
import dev.ward.agent.identity.KeydChannel;
import dev.ward.cli.CliRun;
import static dev.ward.cli.CliRun.wardctl;
import static dev.ward.cli.CliRun.ward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import dev.ward.cli.CliExit;
import dev.ward.keyd.KeydSettings;
import dev.ward.agent.identity.AgentSettings;
import dev.ward.agent.identity.NodeIdentityAgent;
import dev.ward.keyd.daemon.KeyDaemon;
import dev.ward.keyd.store.IdentityStore;
import dev.ward.keyd.store.IdentityStores;
import dev.ward.store.StoreLocation;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wardctl keys} and {@code wardctl encryption} end to end on a directory store, against two real
 * encryption agents (real SVIDs from keyd; in-memory kernels), and the mistakes operators make with them and
 * with {@code ward agent}'s encryption flags.
 */
class EncryptionCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Clock clock = Clock.systemUTC();
    private final List<AutoCloseable> running = new ArrayList<>();

    @TempDir
    Path tmp;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : running.reversed()) {
            closeable.close();
        }
    }

    @Test
    void operatorsRotateAndInspectKeysOfRunningAgents() throws Exception {
        String store = "dir:" + tmp.resolve("store");
        assertEquals(0, wardctl("ca", "init", "--store", store, "--trust-domain", "cli.test").exit());
        StoreLocation location = StoreLocation.parse(store);
        IdentityStore keydStore = open(IdentityStores.open(location, null));
        open(KeyDaemon.start(keydStore, KeydSettings.defaults(), clock, "test"));
        agent(store, "n1", 1);
        agent(store, "n2", 2);

        JsonNode keys = awaitJson(Duration.ofSeconds(30), "both nodes to encrypt to each other",
                json -> json.size() == 2 && all(json, row -> row.get("pendingAcks").isEmpty() && row.get("sasInstalled").asInt() == 2),
                "keys", "status", "-o", "json", "--store", store);
        long n1Epoch = keys.get(0).get("epoch").asLong();
        assertEquals("n1", keys.get(0).get("node").asText());
        String table = wardctl("keys", "status", "--store", store).out();
        assertEquals(List.of("NODE", "EPOCH", "PEERS", "SAS", "PENDING ACKS", "LAST ROTATION", "UPDATED"),
                List.of(table.lines().findFirst().orElseThrow().split(" {2,}")), table);
        assertTrue(table.lines().anyMatch(line -> line.matches("n2 +\\d+ +1 +2 +- +.*")), table);

        CliRun rotate = wardctl("keys", "rotate", "--node", "n1", "--store", store);
        assertEquals(0, rotate.exit(), rotate.err());
        assertTrue(rotate.out().startsWith("rotation requested for node n1 (request "), rotate.out());
        JsonNode rotated = awaitJson(Duration.ofSeconds(30), "n1 to rotate and n2 to acknowledge",
                json -> json.get(0).get("epoch").asLong() > n1Epoch && all(json, row -> row.get("pendingAcks").isEmpty()),
                "keys", "status", "-o", "json", "--store", store);
        long n2Epoch = rotated.get(1).get("epoch").asLong();
        assertEquals(n2Epoch, keys.get(1).get("epoch").asLong(), "n2 was not asked");

        assertEquals(0, wardctl("keys", "rotate", "--all", "--store", store).exit());
        awaitJson(Duration.ofSeconds(30), "both nodes to rotate",
                json -> json.get(1).get("epoch").asLong() > n2Epoch && all(json, row -> row.get("pendingAcks").isEmpty()),
                "keys", "status", "-o", "json", "--store", store);

        JsonNode encryption = JSON.readTree(wardctl("encryption", "status", "-o", "json", "--store", store).out());
        assertEquals("n1", encryption.get(0).get("node").asText());
        assertEquals("n2", encryption.get(0).get("encryptedPeers").get(0).asText());
        assertEquals(0, encryption.get(0).get("xfrmErrorTotal").asLong());
        assertTrue(encryption.get(0).get("xfrmErrors").has("XfrmInNoStates"));
        String encryptionTable = wardctl("encryption", "status", "--store", store).out();
        assertTrue(encryptionTable.contains("1/1 (n2)"), encryptionTable);
        assertTrue(encryptionTable.contains("active"), encryptionTable);
    }

    @Test
    void mistakesAreNamed() {
        String store = "dir:" + tmp.resolve("store");
        assertEquals(0, wardctl("ca", "init", "--store", store).exit());
        CliRun noTarget = wardctl("keys", "rotate", "--store", store);
        assertEquals(CliExit.USAGE, noTarget.exit());
        assertTrue(noTarget.err().contains("--node") && noTarget.err().contains("--all"), noTarget.err());
        CliRun both = wardctl("keys", "rotate", "--node", "n1", "--all", "--store", store);
        assertEquals(CliExit.USAGE, both.exit());
        assertTrue(both.err().contains("mutually exclusive"), both.err());
        CliRun unknown = wardctl("keys", "rotate", "--node", "n9", "--store", store);
        assertEquals(1, unknown.exit());
        assertTrue(unknown.err().contains("node n9 has no encryption announcement"), unknown.err());
        CliRun badName = wardctl("keys", "rotate", "--node", "Bad_Name", "--store", store);
        assertEquals(1, badName.exit());
        assertTrue(badName.err().contains("\"Bad_Name\" is not a valid node name"), badName.err());
        CliRun unknownStore = wardctl("encryption", "status", "--store", "consul://x");
        assertEquals(1, unknownStore.exit());
        assertTrue(unknownStore.err().contains("unknown store \"consul://x\""), unknownStore.err());
        CliRun empty = wardctl("keys", "status", "-o", "json", "--store", store);
        assertEquals(0, empty.exit(), empty.err());
        assertEquals("[ ]", empty.out().trim());

        String[] base = {"agent", "--node", "n1", "--store", store, "--state-dir", tmp.resolve("state").toString()};
        assertAgentRefuses(base, List.of("--pod-cidr", "10.244.1.0/24"), "--pod-cidr configure encryption, which runs only with --underlay-ip");
        assertAgentRefuses(base, List.of("--underlay-ip", "192.168.50.1", "--cluster-cidr", "10.244.0.0/16"), "encryption needs --pod-cidr");
        assertAgentRefuses(base, List.of("--underlay-ip", "192.168.50.1", "--pod-cidr", "10.244.1.0/24"), "encryption needs --cluster-cidr");
        List<String> valid = List.of("--pod-cidr", "10.244.1.0/24", "--cluster-cidr", "10.244.0.0/16");
        assertAgentRefuses(base, concat(List.of("--underlay-ip", "300.1.1.1"), valid), "--underlay-ip 300.1.1.1 is invalid");
        assertAgentRefuses(base, List.of("--underlay-ip", "192.168.50.1", "--pod-cidr", "10.244.1.0/33", "--cluster-cidr", "10.244.0.0/16"),
                "--pod-cidr 10.244.1.0/33 is invalid");
        assertAgentRefuses(base, concat(List.of("--underlay-ip", "192.168.50.1", "--aead-key-bits", "192"), valid), "--aead-key-bits must be 128 or 256, got 192");
        CliRun rotateEvery = ward(concat(List.of(base), List.of("--underlay-ip", "192.168.50.1", "--rotate-every", "often")).toArray(String[]::new));
        assertEquals(CliExit.USAGE, rotateEvery.exit());
        assertTrue(rotateEvery.err().contains("\"often\" is not a duration"), rotateEvery.err());
    }

    private void assertAgentRefuses(String[] base, List<String> options, String expected) {
        CliRun run = ward(concat(List.of(base), options).toArray(String[]::new));
        assertEquals(1, run.exit(), run.err());
        assertTrue(run.err().contains(expected), run.err());
    }

    private void agent(String store, String node, int index) throws Exception {
        String token = wardctl("node", "token", "create", node, "--store", store).out().trim();
        KeydChannel keyd = KeydChannel.on(open(ClusterStore.open(StoreLocation.parse(store), StoreAccess.EXISTING)), clock);
        Path state = tmp.resolve("state-" + node);
        NodeIdentityAgent identity = open(NodeIdentityAgent.start(AgentSettings.defaults(node, state),
                keyd.requester(), keyd.trust(), token, clock));
        EncryptionStore encryptionStore = open(EncryptionStores.open(StoreLocation.parse(store), clock));
        LocalNode local = new LocalNode(node, List.of(IpLiterals.parse("192.168.60." + index)), List.of(Cidr.parse("10.245." + index + ".0/24")));
        EncryptionAgentConfig config = new EncryptionAgentConfig(local,
                new EncryptionSettings(EspCipher.AES_256_GCM, List.of(Cidr.parse("10.245.0.0/16")), Duration.ofMillis(200)), Duration.ofHours(24), clock);
        EncryptionAgent agent = open(new EncryptionAgent(config, encryptionStore, identity, new KeyringFile(state), () -> Map.of("XfrmInNoStates", 0L)));
        agent.start(new MemoryKernel());
    }

    private <T extends AutoCloseable> T open(T closeable) {
        running.add(closeable);
        return closeable;
    }

    private JsonNode awaitJson(Duration timeout, String what, Predicate<JsonNode> condition, String... args) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            CliRun run = wardctl(args);
            assertEquals(0, run.exit(), run.err());
            JsonNode json = JSON.readTree(run.out());
            if (condition.test(json)) {
                return json;
            }
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout + " waiting for " + what + "; last: " + json);
            }
            Thread.sleep(100);
        }
    }

    private static boolean all(JsonNode array, Predicate<JsonNode> condition) {
        for (JsonNode row : array) {
            if (!condition.test(row)) {
                return false;
            }
        }
        return true;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

}
