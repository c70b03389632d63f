package dev.ward.policy.trace;

import dev.ward.policy.label.Label;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.label.LabelSource;

/**
 * Completes a pod's labels as the agent derives them: the pod's namespace (default when not given), the
 * namespace's automatic {@code kubernetes.io/metadata.name} label as seen through Cilium's namespace-label prefix,
 * and the cluster name. Label sets of reserved identities are left as they are.
 */
public final class WorkloadLabels {
    static final String NAMESPACE = "io.kubernetes.pod.namespace";
    static final String NAMESPACE_NAME_LABEL = "io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name";
    static final String CLUSTER = "io.cilium.k8s.policy.cluster";

    private WorkloadLabels() {}

    public static LabelSet complete(LabelSet labels, String clusterName) {
        for (Label l : labels) if (l.source().equals(LabelSource.RESERVED)) return labels;
        LabelSet out = labels;
        String ns = out.value(LabelSource.K8S, NAMESPACE);
        if (ns == null) {
            ns = "default";
            out = out.with(Label.k8s(NAMESPACE, ns));
        }
        if (out.value(LabelSource.K8S, NAMESPACE_NAME_LABEL) == null) out = out.with(Label.k8s(NAMESPACE_NAME_LABEL, ns));
        if (out.value(LabelSource.K8S, CLUSTER) == null) out = out.with(Label.k8s(CLUSTER, clusterName));
        return out;
    }

    /** Whether a workload with these labels is a local endpoint policy applies to (pods, the host, health, init). */
    static boolean isEndpoint(LabelSet labels) {
        for (String notLocal : new String[] {"world", "remote-node", "kube-apiserver", "unmanaged", "ingress"}) {
            if (labels.size() == 1 && labels.value(LabelSource.RESERVED, notLocal) != null) return false;
        }
        return labels.value(LabelSource.RESERVED, "remote-node") == null;
    }
}
