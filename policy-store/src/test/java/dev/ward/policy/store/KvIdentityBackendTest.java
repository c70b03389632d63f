package dev.ward.policy.store;

import dev.ward.policy.identity.IdentityBackend;
import dev.ward.store.kv.DirectoryKv;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The version-guarded adapter on a directory store, every node with its own handle on the same directory. */
class KvIdentityBackendTest extends IdentityBackendContract {
    @TempDir
    Path dir;

    private final List<DirectoryKv> handles = new ArrayList<>();

    @AfterEach
    void close() {
        handles.forEach(DirectoryKv::close);
    }

    @Override
    IdentityBackend newBackend(String node) {
        DirectoryKv kv = new DirectoryKv(dir.resolve("kv"));
        handles.add(kv);
        return new KvIdentityBackend(kv, EtcdIdentityBackend.DEFAULT_PREFIX);
    }
}
