package dev.ward.cli.identity;

import dev.ward.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.ward.cli.CliRun.wardctl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code wardctl node} refuses what an operator most likely mistyped, instead of acting on it. */
class NodeCommandsTest {
    @TempDir
    Path tmp;

    private String initialisedStore() {
        String store = "dir:" + tmp.resolve("store");
        CliRun init = wardctl("ca", "init", "--store", store, "--trust-domain", "node.test");
        assertEquals(0, init.exit(), init.err());
        return store;
    }

    @Test
    void revokingANodeWardNeverHeardOfIsRefusedAndWritesNothing() throws Exception {
        String store = initialisedStore();
        CliRun revoke = wardctl("node", "revoke", "nosuchnode", "--store", store);
        assertEquals(1, revoke.exit(), revoke.out());
        assertTrue(revoke.err().contains("nosuchnode") && revoke.err().contains("unknown"), revoke.err());
        assertEquals("[ ]", wardctl("node", "list", "-o", "json", "--store", store).out().trim());
    }

    @Test
    void aNodeWithAnUnusedJoinTokenCanBeRevokedBeforeItJoins() {
        String store = initialisedStore();
        assertEquals(0, wardctl("node", "token", "create", "n1", "--store", store).exit());
        CliRun revoke = wardctl("node", "revoke", "n1", "--store", store);
        assertEquals(0, revoke.exit(), revoke.err());
        assertTrue(wardctl("node", "list", "-o", "json", "--store", store).out().contains("\"state\" : \"revoked\""));
    }

    @Test
    void readmittingANodeThatIsNotRevokedIsRefused() {
        String store = initialisedStore();
        assertEquals(0, wardctl("node", "token", "create", "n1", "--store", store).exit());
        assertEquals(0, wardctl("node", "revoke", "n1", "--store", store).exit());
        CliRun first = wardctl("node", "readmit", "n1", "--store", store);
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.out().contains("readmitted"), first.out());

        CliRun second = wardctl("node", "readmit", "n1", "--store", store);
        assertEquals(1, second.exit(), second.out());
        assertFalse(second.out().contains("readmitted"), second.out());
        assertTrue(second.err().contains("n1 is not revoked"), second.err());
    }

    @Test
    void aStoreDirectoryThatDoesNotExistIsAnErrorAndIsNotCreated() {
        Path missing = tmp.resolve("nonexistent");
        CliRun list = wardctl("node", "list", "--store", "dir:" + missing);
        assertEquals(1, list.exit(), list.out());
        assertTrue(list.err().contains(missing.toString()) && list.err().contains("does not exist"), list.err());
        assertFalse(Files.exists(missing), "a read must not create the store");
    }

    @Test
    void aCorruptNodeRecordIsNamedAndTheOthersAreStillListed() throws Exception {
        String store = initialisedStore();
        assertEquals(0, wardctl("node", "token", "create", "n1", "--store", store).exit());
        assertEquals(0, wardctl("node", "revoke", "n1", "--store", store).exit());
        // A record edited by hand: the version line is there, the JSON is not.
        Files.writeString(tmp.resolve("store/kv").resolve(java.net.URLEncoder.encode("/ward/pki/nodes/n2",
                java.nio.charset.StandardCharsets.UTF_8)), "99\n{not json");

        CliRun list = wardctl("node", "list", "--store", store);
        assertEquals(1, list.exit(), "a listing with an unreadable record is not a success");
        assertTrue(list.out().contains("n1"), list.out());
        assertTrue(list.err().contains("/ward/pki/nodes/n2"), list.err());
    }

    @Test
    void aJoinTokenLivesAtMostTheDocumentedMaximum() {
        String store = initialisedStore();
        CliRun forever = wardctl("node", "token", "create", "n1", "--ttl", "100000000d", "--store", store);
        assertEquals(1, forever.exit(), forever.out());
        assertTrue(forever.err().contains("at most 7d"), forever.err());
        CliRun overflow = wardctl("node", "token", "create", "n1", "--ttl", "99999999999999999999d", "--store", store);
        assertEquals(2, overflow.exit(), overflow.out());
        assertTrue(overflow.err().contains("not a duration"), overflow.err());
        assertEquals(0, wardctl("node", "token", "create", "n1", "--ttl", "7d", "--store", store).exit());
    }
}
