package dev.ward.policy.store;

import dev.ward.policy.load.PolicyDocument;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the policy objects of a cluster from the Kubernetes API: CiliumNetworkPolicies, cluster-wide ones,
 * NetworkPolicies, and the Services {@code toServices} rules name. Objects are read as the raw JSON the API server
 * stores (generic resources), not through typed models that would add defaulted fields: an added
 * {@code policyTypes: []} would change what a NetworkPolicy means.
 */
public final class KubernetesPolicyStore {
    public static final ResourceDefinitionContext CNP = context("cilium.io", "v2", "CiliumNetworkPolicy", "ciliumnetworkpolicies", true);
    public static final ResourceDefinitionContext CCNP = context("cilium.io", "v2", "CiliumClusterwideNetworkPolicy",
            "ciliumclusterwidenetworkpolicies", false);
    public static final ResourceDefinitionContext KNP = context("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true);
    public static final ResourceDefinitionContext SERVICE = context("", "v1", "Service", "services", true);

    private final KubernetesClient client;

    public KubernetesPolicyStore(KubernetesClient client) {
        this.client = client;
    }

    private static ResourceDefinitionContext context(String group, String version, String kind, String plural, boolean namespaced) {
        return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind)
                .withPlural(plural).withNamespaced(namespaced).build();
    }

    public List<PolicyDocument> list() {
        List<PolicyDocument> out = new ArrayList<>();
        for (ResourceDefinitionContext ctx : List.of(CNP, CCNP, KNP, SERVICE)) {
            List<GenericKubernetesResource> items = ctx.isNamespaceScoped()
                    ? client.genericKubernetesResources(ctx).inAnyNamespace().list().getItems()
                    : client.genericKubernetesResources(ctx).list().getItems();
            for (GenericKubernetesResource r : items) {
                if (r.getApiVersion() == null) r.setApiVersion(ctx.getGroup().isEmpty() ? ctx.getVersion() : ctx.getGroup() + "/" + ctx.getVersion());
                if (r.getKind() == null) r.setKind(ctx.getKind());
                String ns = r.getMetadata().getNamespace();
                String origin = "kubernetes:" + ctx.getKind() + "/" + (ns == null ? "" : ns + "/") + r.getMetadata().getName();
                out.add(new PolicyDocument(origin, client.getKubernetesSerialization().asJson(r)));
            }
        }
        return out;
    }
}
