package dev.ward.store.kv;

import dev.ward.testbed.EtcdProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class EtcdKvTest extends VersionedKvContract {
    private static EtcdProcess etcd;

    @BeforeAll
    static void start() throws Exception {
        etcd = EtcdProcess.start();
    }

    @AfterAll
    static void stop() {
        etcd.close();
    }

    @Override
    VersionedKv open() {
        EtcdKv kv = new EtcdKv(etcd.endpoint());
        kv.list("/").forEach(e -> kv.commit(new KvTxn().delete(e.key())));
        return kv;
    }

    @Test
    void anUnreachableEtcdIsReportedWithItsAddress() {
        try (EtcdKv dead = new EtcdKv(java.time.Duration.ofSeconds(1), "http://127.0.0.1:1")) {
            var e = assertThrows(KvStoreException.class, () -> dead.get("/x"));
            assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
        }
    }
}
