package dev.ward.policy.store;

import dev.ward.policy.identity.IdentityBackend;
import dev.ward.testbed.EtcdProcess;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The etcd adapter against a real etcd server (Debian etcd-server), each node with its own client and lease. */
class EtcdIdentityBackendTest extends IdentityBackendContract {
    private static EtcdProcess etcd;
    private final List<Client> clients = new ArrayList<>();
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
        clients.forEach(Client::close);
    }

    @Override
    IdentityBackend newBackend(String node) {
        Client c = Client.builder().endpoints(etcd.endpoint()).build();
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
