package dev.ward.store;

import dev.ward.store.kv.DirectoryKv;
import dev.ward.store.kv.EtcdConnection;
import dev.ward.store.kv.EtcdKv;
import dev.ward.store.kv.VersionedKv;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.file.Files;

/**
 * Where a cluster's shared state lives, opened from {@code --store}: the Kubernetes API, or a versioned key-value
 * store (etcd, or a directory on a single host). Every record kind (identities, encryption announcements, policies)
 * puts itself on one of these two, so this is the only place that turns a {@link StoreLocation} into a connection.
 * Closing it closes the connection; stores built on it do not.
 */
public sealed interface ClusterStore extends AutoCloseable {
    /** The key-value directory inside a {@code dir:PATH} store: {@code PATH} also holds the CA key file. */
    String DIRECTORY_KV = "kv";

    record Kubernetes(KubernetesClient client) implements ClusterStore {
        @Override
        public String describe() {
            return "Kubernetes " + client.getMasterUrl();
        }

        @Override
        public void close() {
            client.close();
        }
    }

    /** @param location where it is, for what depends on the kind of key-value store (the CA key file's default place) */
    record KeyValue(VersionedKv kv, StoreLocation location) implements ClusterStore {
        @Override
        public String describe() {
            return kv.describe();
        }

        @Override
        public void close() {
            kv.close();
        }
    }

    String describe();

    @Override
    void close();

    static ClusterStore open(StoreLocation location, StoreAccess access) {
        return switch (location) {
            case StoreLocation.Kubernetes k -> new Kubernetes(KubernetesApi.connect());
            case StoreLocation.Etcd e -> new KeyValue(new EtcdKv(EtcdConnection.open(e.endpoints())), location);
            case StoreLocation.Directory d -> {
                if (access == StoreAccess.EXISTING && !Files.isDirectory(d.path().resolve(DIRECTORY_KV))) {
                    throw new StoreUnavailableException("--store " + location.spec() + ": the store directory "
                            + d.path().resolve(DIRECTORY_KV) + " does not exist (a new cluster's store is made by `wardctl ca init --store "
                            + location.spec() + "`)");
                }
                yield new KeyValue(new DirectoryKv(d.path().resolve(DIRECTORY_KV)), location);
            }
        };
    }
}
