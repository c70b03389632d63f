package dev.ward.keyd.k8s;

import dev.ward.trust.k8s.WardKubernetes;
import dev.ward.trust.k8s.Conflicts;
import dev.ward.keyd.CaKeyring;
import dev.ward.keyd.store.CaKeyVault;
import dev.ward.keyd.store.CaKeyringCodec;
import dev.ward.store.Versioned;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The CA keyring in the Secret {@code ward-system/ward-ca}; the resourceVersion guards every replacement. */
final class SecretCaKeyVault implements CaKeyVault {
    private final KubernetesClient client;
    private final String namespace;

    SecretCaKeyVault(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    @Override
    public Optional<Versioned<CaKeyring>> load() {
        Secret s = client.secrets().inNamespace(namespace).withName(WardKubernetes.CA_SECRET).get();
        if (s == null) return Optional.empty();
        Map<String, String> docs = new LinkedHashMap<>();
        if (s.getData() != null) {
            s.getData().forEach((k, v) -> docs.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.US_ASCII)));
        }
        return Optional.of(new Versioned<>(CaKeyringCodec.decode(docs, describe()), s.getMetadata().getResourceVersion()));
    }

    @Override
    public boolean create(CaKeyring keyring) {
        try {
            client.secrets().inNamespace(namespace).resource(secret(keyring, null)).create();
            return true;
        } catch (KubernetesClientException e) {
            if (Conflicts.isConflict(e)) return false;
            throw e;
        }
    }

    @Override
    public boolean replace(CaKeyring keyring, String expectedVersion) {
        try {
            client.secrets().inNamespace(namespace).resource(secret(keyring, expectedVersion)).update();
            return true;
        } catch (KubernetesClientException e) {
            if (Conflicts.isConflict(e) || Conflicts.isNotFound(e)) return false;
            throw e;
        }
    }

    @Override
    public String describe() {
        return "Secret " + namespace + "/" + WardKubernetes.CA_SECRET;
    }

    @Override
    public String initCommand() {
        return "wardctl ca init --store k8s";
    }

    private Secret secret(CaKeyring keyring, String resourceVersion) {
        Map<String, String> data = new LinkedHashMap<>();
        CaKeyringCodec.encode(keyring).forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.US_ASCII))));
        return new SecretBuilder()
                .withNewMetadata().withName(WardKubernetes.CA_SECRET).withNamespace(namespace).withResourceVersion(resourceVersion)
                .addToLabels("app.kubernetes.io/part-of", "ward").endMetadata()
                .withType("Opaque")
                .withData(data)
                .build();
    }
}
