package dev.ward.trust.k8s;

import dev.ward.trust.TrustState;
import dev.ward.store.Subscription;
import dev.ward.trust.TamperedTrustException;
import dev.ward.trust.TrustRepository;
import dev.ward.trust.TrustStateCodec;
import dev.ward.store.Versioned;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The trust state in the ConfigMap {@code ward-system/ward-trust-bundle}, one data key per document
 * ({@code bundle.pem}, {@code bundle.spiffe}, {@code crl.pem}, {@code revocations.json}), so tools can mount or
 * read the bundle and CRL directly.
 */
public final class ConfigMapTrustRepository implements TrustRepository {
    private final KubernetesClient client;
    private final String namespace;

    public ConfigMapTrustRepository(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    @Override
    public Optional<Versioned<TrustState>> read() {
        ConfigMap cm = client.configMaps().inNamespace(namespace).withName(WardKubernetes.TRUST_CONFIGMAP).get();
        return Optional.ofNullable(cm).map(ConfigMapTrustRepository::decode);
    }

    @Override
    public boolean create(TrustState state) {
        try {
            client.configMaps().inNamespace(namespace).resource(configMap(state, null)).create();
            return true;
        } catch (KubernetesClientException e) {
            if (Conflicts.isConflict(e)) return false;
            throw e;
        }
    }

    @Override
    public boolean replace(TrustState state, String expectedVersion) {
        try {
            client.configMaps().inNamespace(namespace).resource(configMap(state, expectedVersion)).update();
            return true;
        } catch (KubernetesClientException e) {
            if (Conflicts.isConflict(e) || Conflicts.isNotFound(e)) return false;
            throw e;
        }
    }

    @Override
    public Subscription watch(Consumer<Versioned<TrustState>> changed, Consumer<TamperedTrustException> unreadable) {
        // An informer lists, then watches, and re-lists after a broken watch: no change is lost, none polled for.
        SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace(namespace)
                .withName(WardKubernetes.TRUST_CONFIGMAP).inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(ConfigMap cm) {
                        deliver(cm);
                    }

                    @Override
                    public void onUpdate(ConfigMap old, ConfigMap cm) {
                        deliver(cm);
                    }

                    @Override
                    public void onDelete(ConfigMap cm, boolean finalStateUnknown) {
                        // Keep the last good trust: a deleted bundle must not make nodes trust nothing, or anything.
                    }

                    private void deliver(ConfigMap cm) {
                        Versioned<TrustState> state;
                        try {
                            state = decode(cm);
                        } catch (TamperedTrustException e) {
                            unreadable.accept(e);
                            return;
                        }
                        changed.accept(state);
                    }
                });
        return informer::close;
    }

    @Override
    public String describe() {
        return "ConfigMap " + namespace + "/" + WardKubernetes.TRUST_CONFIGMAP;
    }

    private static Versioned<TrustState> decode(ConfigMap cm) {
        String version = cm.getMetadata().getResourceVersion();
        Map<String, String> data = cm.getData() == null ? Map.of() : cm.getData();
        return new Versioned<>(TrustStateCodec.decode(data, version), version);
    }

    private ConfigMap configMap(TrustState state, String resourceVersion) {
        return new ConfigMapBuilder()
                .withNewMetadata().withName(WardKubernetes.TRUST_CONFIGMAP).withNamespace(namespace)
                .withResourceVersion(resourceVersion).addToLabels("app.kubernetes.io/part-of", "ward").endMetadata()
                .withData(TrustStateCodec.encode(state))
                .build();
    }
}
