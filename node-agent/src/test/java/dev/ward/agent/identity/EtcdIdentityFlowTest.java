package dev.ward.agent.identity;

import dev.ward.keyd.IdentityEnvironment;
import dev.ward.keyd.KvEnvironment;
import dev.ward.store.StoreLocation;
import dev.ward.testbed.EtcdProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.nio.file.Path;
import java.util.List;

/** The identity lifecycle with public material in a real etcd and the CA key in a 0600 file. */
class EtcdIdentityFlowTest extends KvIdentityFlowContract {
    private static EtcdProcess etcd;

    @BeforeAll
    static void startEtcd() throws Exception {
        etcd = EtcdProcess.start();
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) etcd.close();
    }

    @Override
    IdentityEnvironment environment(Path tmp) {
        KvEnvironment env = new KvEnvironment(new StoreLocation.Etcd(List.of(etcd.endpoint())), tmp.resolve("keyd").resolve("ca-keyring.pem"));
        env.wipe();
        return env;
    }
}
