package dev.ward.agent.datapath.status;

import dev.ward.store.ClusterStore;
import dev.ward.store.StoreLocation;
import dev.ward.store.kv.DirectoryKv;
import dev.ward.store.kv.KvTxn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The datapath reports in a directory store ({@code --store dir:PATH}), as the lab's nodes share one. */
class DatapathReportsOnDirectoryTest extends DatapathReportsContract {
    @TempDir
    Path tmp;
    private ClusterStore store;

    @BeforeEach
    void open() {
        store = new ClusterStore.KeyValue(new DirectoryKv(tmp.resolve("kv")), new StoreLocation.Directory(tmp));
    }

    @AfterEach
    void close() {
        store.close();
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
