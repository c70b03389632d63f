package dev.ward.cli.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.agent.identity.AgentSettings;
import dev.ward.agent.identity.KeydChannel;
import dev.ward.agent.identity.NodeIdentityAgent;
import dev.ward.cli.CliRun;
import dev.ward.keyd.KeydSettings;
import dev.ward.keyd.daemon.KeyDaemon;
import dev.ward.keyd.store.IdentityStores;
import dev.ward.store.ClusterStore;
import dev.ward.store.StoreAccess;
import dev.ward.store.StoreLocation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import static dev.ward.cli.CliRun.wardctl;
import static org.junit.jupiter.api.Assertions.*;

/** {@code wardctl node token create NODE... --output-dir}: one call bootstraps several nodes, each from its own file. */
class NodeTokenFilesTest {
    @TempDir
    Path tmp;

    private final List<AutoCloseable> running = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : running.reversed()) c.close();
    }

    private <T extends AutoCloseable> T open(T c) {
        running.add(c);
        return c;
    }

    @Test
    void eachNodeJoinsWithTheTokenWrittenForItAndOnlyTheOwnerCanReadIt() throws Exception {
        String store = "dir:" + tmp.resolve("store");
        assertEquals(0, wardctl("ca", "init", "--store", store, "--trust-domain", "tokens.test").exit());
        Path dir = tmp.resolve("tokens");
        CliRun created = wardctl("node", "token", "create", "n1", "n2", "n3", "--ttl", "10m", "--output-dir", dir.toString(), "--store", store);
        assertEquals(0, created.exit(), created.err());
        String[] rows = created.out().strip().split("\n");
        assertEquals(4, rows.length, created.out());
        assertTrue(rows[0].matches("NODE\\s+TOKEN FILE\\s+EXPIRES"), rows[0]);
        assertTrue(rows[2].startsWith("n2") && rows[2].contains(dir.resolve("n2.token").toString()), rows[2]);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        List<String> tokens = new ArrayList<>();
        for (String n : List.of("n1", "n2", "n3")) {
            Path f = dir.resolve(n + ".token");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
            tokens.add(Files.readString(f).strip());
        }
        assertEquals(3, tokens.stream().distinct().count(), "one token per node: " + tokens);
        try (var listing = Files.list(dir)) {
            assertEquals(3, listing.count(), "no temporary file left behind");
        }

        open(KeyDaemon.start(open(IdentityStores.open(StoreLocation.parse(store), null)), KeydSettings.defaults(), Clock.systemUTC(), "test"));
        KeydChannel keyd = KeydChannel.on(open(ClusterStore.open(StoreLocation.parse(store), StoreAccess.EXISTING)), Clock.systemUTC());
        NodeIdentityAgent n2 = open(NodeIdentityAgent.start(AgentSettings.defaults("n2", tmp.resolve("state-n2")), keyd.requester(), keyd.trust(),
                tokens.get(1), Clock.systemUTC()));
        assertTrue(n2.current().chain().getFirst().getSubjectAlternativeNames().toString().contains("spiffe://tokens.test/"),
                n2.current().chain().getFirst().getSubjectAlternativeNames().toString());
        assertThrows(Exception.class, () -> NodeIdentityAgent.start(AgentSettings.defaults("n3", tmp.resolve("state-n3")), keyd.requester(),
                keyd.trust(), tokens.get(0), Clock.systemUTC()).close(), "n1's token does not admit n3");

        CliRun json = wardctl("node", "token", "create", "n4", "--output-dir", dir.toString(), "-o", "json", "--store", store);
        assertEquals(0, json.exit(), json.err());
        JsonNode row = new ObjectMapper().readTree(json.out()).get(0);
        assertEquals("n4", row.get("node").asText());
        assertEquals(dir.resolve("n4.token").toString(), row.get("file").asText());
        assertFalse(json.out().contains(Files.readString(dir.resolve("n4.token")).strip()), "the token itself is only in its file");
    }

    @Test
    void severalNodesWithoutADirectoryOrANodeNamedTwiceAreUsageErrorsAndCreateNothing() throws Exception {
        String store = "dir:" + tmp.resolve("store");
        assertEquals(0, wardctl("ca", "init", "--store", store, "--trust-domain", "tokens.test").exit());
        CliRun printed = wardctl("node", "token", "create", "n1", "n2", "--store", store);
        assertEquals(2, printed.exit(), printed.out());
        assertTrue(printed.err().contains("2 NODEs need --output-dir"), printed.err());
        CliRun twice = wardctl("node", "token", "create", "n1", "n1", "--output-dir", tmp.resolve("t").toString(), "--store", store);
        assertEquals(2, twice.exit());
        assertTrue(twice.err().contains("a NODE is named twice"), twice.err());
        CliRun bad = wardctl("node", "token", "create", "n1", "Not_A_Node", "--output-dir", tmp.resolve("t").toString(), "--store", store);
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("NODE: "), bad.err());
        assertFalse(Files.exists(tmp.resolve("t")), "nothing written");
        assertEquals("[ ]", wardctl("node", "list", "-o", "json", "--store", store).out().strip(), "no token created");
        Files.writeString(tmp.resolve("afile"), "x");
        CliRun notDir = wardctl("node", "token", "create", "n1", "--output-dir", tmp.resolve("afile").toString(), "--store", store);
        assertEquals(1, notDir.exit());
        assertTrue(notDir.err().contains("afile"), notDir.err());
    }
}
