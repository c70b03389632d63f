package dev.ward.keyd.store;

import dev.ward.keyd.k8s.KubernetesIdentityStore;
import dev.ward.keyd.store.kv.CaKeyFile;
import dev.ward.keyd.store.kv.KvIdentityStore;
import dev.ward.store.ClusterStore;
import dev.ward.store.StoreAccess;
import dev.ward.store.StoreLocation;
import dev.ward.trust.k8s.WardKubernetes;

import java.nio.file.Path;

/** Opens the identity store an operator named with {@code --store}. */
public final class IdentityStores {
    /** Where keyd keeps the CA keys next to an etcd store unless told otherwise. */
    public static final Path DEFAULT_ETCD_CA_KEY_FILE = Path.of("/var/lib/ward/keyd/ca-keyring.pem");
    public static final String DIR_CA_KEY_FILE = "ca-keyring.pem";

    private IdentityStores() {}

    /** Opens the store, creating a directory store that does not exist yet (tests, and {@code ca init}). */
    public static IdentityStore open(StoreLocation location, Path caKeyFile) {
        return open(location, StoreAccess.CREATE, caKeyFile);
    }

    /**
     * @param caKeyFile the CA key file for etcd stores (null: {@link #DEFAULT_ETCD_CA_KEY_FILE}); a directory store
     *                  keeps it at {@code PATH/ca-keyring.pem}, Kubernetes in a Secret
     */
    public static IdentityStore open(StoreLocation location, StoreAccess access, Path caKeyFile) {
        return on(ClusterStore.open(location, access), caKeyFile, true);
    }

    /** The identity records on an open store; {@code owns}: closing the identity store closes {@code store}. */
    public static IdentityStore on(ClusterStore store, Path caKeyFile, boolean owns) {
        return switch (store) {
            case ClusterStore.Kubernetes k -> new KubernetesIdentityStore(k.client(), WardKubernetes.NAMESPACE, owns);
            case ClusterStore.KeyValue kv -> new KvIdentityStore(kv.kv(), caKeyVault(kv.location(), caKeyFile), owns);
        };
    }

    private static CaKeyFile caKeyVault(StoreLocation location, Path caKeyFile) {
        if (location.directory().isPresent()) {
            Path file = caKeyFile == null ? location.directory().get().resolve(DIR_CA_KEY_FILE) : caKeyFile;
            return new CaKeyFile(file, "wardctl ca init --store " + location.spec());
        }
        Path file = caKeyFile == null ? DEFAULT_ETCD_CA_KEY_FILE : caKeyFile;
        return new CaKeyFile(file, "wardctl ca init --store " + location.spec() + " --ca-key-file " + file);
    }
}
