package dev.ward.keyd.k8s;

import dev.ward.trust.k8s.ConfigMapTrustRepository;
import dev.ward.keyd.store.CaKeyVault;
import dev.ward.keyd.store.IdentityStore;
import dev.ward.keyd.store.JoinTokenRepository;
import dev.ward.keyd.store.NodeRepository;
import dev.ward.trust.TrustRepository;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.Optional;

/** The identity store of a Kubernetes cluster: Secret, ConfigMaps and (for attestation) the CSR API. */
public final class KubernetesIdentityStore implements IdentityStore {
    private final KubernetesClient client;
    private final String namespace;
    private final boolean ownsClient;

    public KubernetesIdentityStore(KubernetesClient client, String namespace, boolean ownsClient) {
        this.client = client;
        this.namespace = namespace;
        this.ownsClient = ownsClient;
    }

    public KubernetesClient client() {
        return client;
    }

    public String namespace() {
        return namespace;
    }

    @Override
    public CaKeyVault caKeys() {
        return new SecretCaKeyVault(client, namespace);
    }

    @Override
    public TrustRepository trust() {
        return new ConfigMapTrustRepository(client, namespace);
    }

    @Override
    public NodeRepository nodes() {
        return new ConfigMapNodeRepository(client, namespace);
    }

    @Override
    public Optional<JoinTokenRepository> joinTokens() {
        return Optional.empty();
    }

    @Override
    public String describe() {
        return "Kubernetes " + client.getMasterUrl() + " namespace " + namespace;
    }

    @Override
    public void close() {
        if (ownsClient) client.close();
    }
}
