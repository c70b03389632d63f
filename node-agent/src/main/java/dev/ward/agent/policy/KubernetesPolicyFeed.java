package dev.ward.agent.policy;

import dev.ward.agent.k8s.InformedObjects;
import dev.ward.policy.store.KubernetesIdentityBackend;
import dev.ward.policy.store.KubernetesPolicyStore;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Policy objects on the Kubernetes API (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, NetworkPolicy, and the
 * Services that toServices rules name) and the allocated identities ({@code WardIdentity}), each kind through an
 * informer. Objects are handed on as the raw JSON the API server keeps (the parser's input, as
 * {@link KubernetesPolicyStore} reads it). The Cilium kinds are optional: a cluster without their CRDs has none.
 */
public final class KubernetesPolicyFeed implements PolicyFeed {
    private final KubernetesClient client;
    private final List<InformedObjects<GenericKubernetesResource>> informers = new ArrayList<>();

    public KubernetesPolicyFeed(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public void start(Listener listener) {
        try {
            follow(KubernetesIdentityBackend.IDENTITY, false, (key, seq, o) -> listener.identity(identity(key, seq, o)));
            follow(KubernetesPolicyStore.SERVICE, false, (key, seq, o) -> listener.policy(document(KubernetesPolicyStore.SERVICE, key, seq, o)));
            for (ResourceDefinitionContext kind : List.of(KubernetesPolicyStore.KNP, KubernetesPolicyStore.CNP, KubernetesPolicyStore.CCNP)) {
                boolean optional = kind.getGroup().equals("cilium.io");
                follow(kind, optional, (key, seq, o) -> listener.policy(document(kind, key, seq, o)));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void follow(ResourceDefinitionContext kind, boolean optional, InformedObjects.Receiver<GenericKubernetesResource> receiver) {
        var ops = client.genericKubernetesResources(kind);
        var informer = kind.isNamespaceScoped() ? ops.inAnyNamespace().runnableInformer(0) : ops.runnableInformer(0);
        InformedObjects<GenericKubernetesResource> f = InformedObjects.start(kind.getKind() + " objects", informer, receiver, optional);
        if (f != null) informers.add(f);
    }

    private StoreChange document(ResourceDefinitionContext kind, String key, long seq, GenericKubernetesResource o) {
        String k = kind.getKind() + "/" + (key.contains("/") ? key : "/" + key);
        if (o == null) return new StoreChange(k, seq, null);
        if (o.getApiVersion() == null) o.setApiVersion(kind.getGroup().isEmpty() ? kind.getVersion() : kind.getGroup() + "/" + kind.getVersion());
        if (o.getKind() == null) o.setKind(kind.getKind());
        return new StoreChange(k, seq, client.getKubernetesSerialization().asJson(o));
    }

    private static StoreChange identity(String name, long seq, GenericKubernetesResource o) {
        if (o == null) return new StoreChange(name, seq, null);
        Object spec = o.getAdditionalProperties().get("spec");
        Map<?, ?> s = spec instanceof Map<?, ?> m ? m : Map.of();
        // An identity being collected stands for nothing any more.
        if (Boolean.TRUE.equals(s.get("deleting")) || !(s.get("key") instanceof String labels)) return new StoreChange(name, seq, null);
        return new StoreChange(name, seq, labels);
    }

    @Override
    public String describe() {
        return "policies and identities on the Kubernetes API " + client.getMasterUrl();
    }

    @Override
    public void close() {
        informers.forEach(InformedObjects::close);
        informers.clear();
    }
}
