package dev.ward.agent.endpoints;

import dev.ward.policy.identity.IdentityLabelFilter;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.label.LabelSource;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class PodLabelsTest {
    @Test
    void aPodsLabelsAreFormedAsCiliumFormsThem() {
        LabelSet l = PodLabels.of("prod", Map.of("app", "web", "pod-template-hash", "5d8c"), "web-sa",
                Map.of("team", "payments", "kubernetes.io/metadata.name", "prod"), "c1");
        assertEquals(LabelSet.parse("k8s:app=web,k8s:pod-template-hash=5d8c,k8s:io.kubernetes.pod.namespace=prod,"
                + "k8s:io.cilium.k8s.policy.serviceaccount=web-sa,k8s:io.cilium.k8s.policy.cluster=c1,"
                + "k8s:io.cilium.k8s.namespace.labels.team=payments,k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=prod",
                LabelSource.K8S), l);
        LabelSet identity = IdentityLabelFilter.DEFAULT.filter(l);
        assertNull(identity.value(LabelSource.K8S, "pod-template-hash"), "a per-replica label defines no identity");
        assertEquals("payments", identity.value(LabelSource.K8S, "io.cilium.k8s.namespace.labels.team"));
    }

    @Test
    void aPodCannotClaimAnotherNamespaceThroughItsOwnLabels() {
        LabelSet l = PodLabels.of("prod", Map.of("io.kubernetes.pod.namespace", "kube-system",
                "io.cilium.k8s.namespace.labels.team", "admins"), null, Map.of(), "c1");
        assertEquals("prod", l.value(LabelSource.K8S, "io.kubernetes.pod.namespace"));
        assertNull(l.value(LabelSource.K8S, "io.cilium.k8s.namespace.labels.team"));
        assertEquals("prod", l.value(LabelSource.K8S, "io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name"));
    }
}
