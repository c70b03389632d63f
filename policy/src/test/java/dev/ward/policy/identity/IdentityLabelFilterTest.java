package dev.ward.policy.identity;

import dev.ward.policy.label.Label;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class IdentityLabelFilterTest {
    @ParameterizedTest(name = "{0}:{1} -> {2}")
    @CsvSource(textBlock = """
            k8s, app, true
            k8s, io.kubernetes.pod.namespace, true
            k8s, io.cilium.k8s.namespace.labels.team, true
            k8s, io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name, true
            k8s, app.kubernetes.io/name, true
            k8s, io.cilium.k8s.policy.cluster, true
            k8s, io.cilium.k8s.policy.serviceaccount, true
            reserved, host, true
            k8s, pod-template-hash, false
            k8s, controller-revision-hash, false
            k8s, pod-template-generation, false
            k8s, statefulset.kubernetes.io/pod-name, false
            k8s, apps.kubernetes.io/pod-index, false
            k8s, batch.kubernetes.io/job-completion-index, false
            k8s, io.kubernetes.container.name, false
            k8s, kubernetes.io/hostname, false
            k8s, beta.kubernetes.io/arch, false
            k8s, k8s.io/something, false
            k8s, annotation.foo, false
            """)
    void keepsOnlyIdentityLabels(String source, String key, boolean kept) {
        assertEquals(kept, IdentityLabelFilter.DEFAULT.relevant(new Label(source, key, "v")));
    }
}
