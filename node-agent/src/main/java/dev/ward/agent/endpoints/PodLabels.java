package dev.ward.agent.endpoints;

import dev.ward.policy.label.Label;
import dev.ward.policy.label.LabelSet;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A pod's workload labels as Cilium forms them, so policies written for Cilium select the same pods: every pod label
 * as {@code k8s:key=value}, the namespace ({@code io.kubernetes.pod.namespace}), the service account
 * ({@code io.cilium.k8s.policy.serviceaccount}), the cluster ({@code io.cilium.k8s.policy.cluster}), and each label of
 * the pod's namespace under {@code io.cilium.k8s.namespace.labels.} (including the namespace's automatic
 * {@code kubernetes.io/metadata.name}). The identity filter later keeps the ones that define identity.
 */
public final class PodLabels {
    static final String NAMESPACE = "io.kubernetes.pod.namespace";
    static final String SERVICE_ACCOUNT = "io.cilium.k8s.policy.serviceaccount";
    static final String CLUSTER = "io.cilium.k8s.policy.cluster";
    static final String NAMESPACE_LABELS = "io.cilium.k8s.namespace.labels.";
    static final String NAMESPACE_NAME = "kubernetes.io/metadata.name";

    private PodLabels() {}

    /**
     * @param podLabels       the pod's own labels
     * @param serviceAccount  the pod's service account, or null (outside Kubernetes)
     * @param namespaceLabels the labels of the pod's namespace; its name label is added when missing
     */
    public static LabelSet of(String namespace, Map<String, String> podLabels, String serviceAccount, Map<String, String> namespaceLabels,
                              String cluster) {
        List<Label> out = new ArrayList<>();
        // Cilium's own labels win over pod labels that happen to use the same keys.
        podLabels.forEach((k, v) -> {
            if (!k.equals(NAMESPACE) && !k.equals(SERVICE_ACCOUNT) && !k.equals(CLUSTER) && !k.startsWith(NAMESPACE_LABELS)) out.add(Label.k8s(k, v));
        });
        out.add(Label.k8s(NAMESPACE, namespace));
        if (serviceAccount != null && !serviceAccount.isEmpty()) out.add(Label.k8s(SERVICE_ACCOUNT, serviceAccount));
        out.add(Label.k8s(CLUSTER, cluster));
        namespaceLabels.forEach((k, v) -> {
            if (!k.equals(NAMESPACE_NAME)) out.add(Label.k8s(NAMESPACE_LABELS + k, v));
        });
        out.add(Label.k8s(NAMESPACE_LABELS + NAMESPACE_NAME, namespace));
        return LabelSet.of(out);
    }
}
