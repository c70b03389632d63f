package dev.ward.policy.store;

import dev.ward.policy.identity.IdentityBackend;
import dev.ward.testbed.EtcdProcess;
import dev.ward.store.kv.EtcdConnection;
import dev.ward.store.kv.EtcdKv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The etcd adapter against a real etcd server (Debian etcd-server), each node with its own client and lease. */
class EtcdIdentityBackendTest extends IdentityBackendContract {
    private static EtcdProcess etcd;
    private final List<EtcdKv> clients = new ArrayList<>();
    private final List<IdentityBackend> backends = new ArrayList<>();
    private String prefix;

    @BeforeAll
    static void start() throws Exception {
        etcd = EtcdProcess.start();
    }

    @AfterAll
    static void stop() {
        if (etcd != null) etcd.close();
    }

    @BeforeEach
    void freshPrefix() {
        prefix = "/ward-test/" + UUID.randomUUID() + "/identities/";
    }

    @AfterEach
    void closeClients() {
        backends.forEach(IdentityBackend::close);
        clients.forEach(EtcdKv::close);
    }

    @Override
    IdentityBackend newBackend(String node) {
        EtcdKv c = new EtcdKv(etcd.endpoint());
        clients.add(c);
        IdentityBackend b = new EtcdIdentityBackend(c, prefix, 30);
        backends.add(b);
        return b;
    }

    @Override
    int concurrentNodes() {
        return 6;
    }

    @Override
    int labelSetsPerNode() {
        return 60;
    }

    @Test
    void anEtcdThatNeverAnswersIsReportedAsATimeoutNotAsNull() throws Exception {
        // Accepts the connection and then says nothing: every call runs into the timeout.
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
             EtcdKv c = new EtcdKv(EtcdConnection.open(java.time.Duration.ofSeconds(2), List.of("http://127.0.0.1:" + silent.getLocalPort())))) {
            EtcdIdentityBackend backend = new EtcdIdentityBackend(c, prefix, 30);
            RuntimeException e = assertThrows(RuntimeException.class, backend::allocated);
            assertFalse(e.getMessage().contains("null"), e.getMessage());
            assertTrue(e.getMessage().contains("no answer within"), e.getMessage());
            assertTrue(e.getMessage().contains("127.0.0.1:" + silent.getLocalPort()), "names the endpoint: " + e.getMessage());
        }
    }

    @Test
    void aNodeThatGoesAwayTakesItsReferencesWithIt() throws Exception {
        IdentityBackend survivor = newBackend("survivor");
        IdentityBackend leaving = newBackend("leaving");
        survivor.claim(500, "k8s:app=x");
        leaving.addReference(500, "k8s:app=x", "leaving");
        assertEquals(java.util.Set.of("leaving"), survivor.references(500));
        leaving.close();
        assertTrue(survivor.references(500).isEmpty(), "the node's lease was revoked with it");
        assertTrue(survivor.deleteIfUnreferenced(500));
    }
}
