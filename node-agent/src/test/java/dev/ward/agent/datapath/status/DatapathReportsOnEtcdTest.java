package dev.ward.agent.datapath.status;

import dev.ward.store.ClusterStore;
import dev.ward.store.StoreLocation;
import dev.ward.store.kv.EtcdConnection;
import dev.ward.store.kv.EtcdKv;
import dev.ward.store.kv.KvTxn;
import dev.ward.testbed.EtcdProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.util.List;

/** The datapath reports on a real etcd, under {@value KvDatapathReports#PREFIX}. */
class DatapathReportsOnEtcdTest extends DatapathReportsContract {
    private EtcdProcess etcd;
    private ClusterStore store;

    @BeforeEach
    void start() throws Exception {
        etcd = EtcdProcess.start();
        store = new ClusterStore.KeyValue(new EtcdKv(EtcdConnection.open(List.of(etcd.endpoint()))), new StoreLocation.Etcd(List.of(etcd.endpoint())));
    }

    @AfterEach
    void stop() {
        store.close();
        etcd.close();
    }

    @Override
    ClusterStore store() {
        return store;
    }

    @Override
    void writeForeign(String node, String json) {
        ((ClusterStore.KeyValue) store).kv().commit(new KvTxn().put(KvDatapathReports.key(node), json));
    }
}
