package dev.ward.keyd.store;

import dev.ward.store.StoreLocation;
import dev.ward.keyd.agent.KubernetesSvidRequester;
import dev.ward.keyd.agent.KvSvidRequester;
import dev.ward.keyd.agent.SvidRequester;
import dev.ward.keyd.k8s.KubernetesIdentityStore;
import dev.ward.trust.k8s.WardKubernetes;
import dev.ward.keyd.store.kv.CaKeyFile;
import dev.ward.store.kv.DirectoryKv;
import dev.ward.store.kv.EtcdKv;
import dev.ward.keyd.store.kv.KvIdentityStore;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.nio.file.Path;
import java.time.Clock;

/** Opens the identity store an operator named with {@code --store}. */
public final class IdentityStores {
    /** Where keyd keeps the CA keys next to an etcd store unless told otherwise. */
    public static final Path DEFAULT_ETCD_CA_KEY_FILE = Path.of("/var/lib/ward/keyd/ca-keyring.pem");
    public static final String DIR_CA_KEY_FILE = "ca-keyring.pem";
    public static final String DIR_KV = "kv";

    private IdentityStores() {}

    /**
     * @param caKeyFile the CA key file for etcd stores (null: {@link #DEFAULT_ETCD_CA_KEY_FILE}); a directory store
     *                  keeps it at {@code PATH/ca-keyring.pem}, Kubernetes in a Secret
     */
    public static IdentityStore open(StoreLocation location, Path caKeyFile) {
        return switch (location) {
            case StoreLocation.Kubernetes k -> new KubernetesIdentityStore(new KubernetesClientBuilder().build(), WardKubernetes.NAMESPACE, true);
            case StoreLocation.Etcd e -> {
                Path file = caKeyFile == null ? DEFAULT_ETCD_CA_KEY_FILE : caKeyFile;
                yield new KvIdentityStore(new EtcdKv(e.endpoints().toArray(String[]::new)),
                        new CaKeyFile(file, "wardctl ca init --store etcd://" + String.join(",", e.endpoints()).replace("http://", "")
                                + " --ca-key-file " + file));
            }
            case StoreLocation.Directory d -> {
                Path file = caKeyFile == null ? d.path().resolve(DIR_CA_KEY_FILE) : caKeyFile;
                yield new KvIdentityStore(new DirectoryKv(d.path().resolve(DIR_KV)),
                        new CaKeyFile(file, "wardctl ca init --store dir:" + d.path()));
            }
        };
    }

    /** The requester an agent uses with this store. */
    public static SvidRequester requester(IdentityStore store, Clock clock) {
        return switch (store) {
            case KubernetesIdentityStore k -> new KubernetesSvidRequester(k.client());
            case KvIdentityStore kv -> new KvSvidRequester(kv.kv(), clock);
            default -> throw new IllegalArgumentException("no agent transport for " + store.describe());
        };
    }

}
