package dev.ward.agent.endpoints;

import dev.ward.agent.k8s.InformedObjects;
import dev.ward.policy.label.LabelSet;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;

/**
 * The node's Pods (a {@code spec.nodeName} field selector: this node's only) and every Namespace, through informers:
 * a pod's labels, service account and namespace labels are read from them, and a change to any of those on a running
 * pod is reported so its endpoint gets the identity of its new labels.
 */
public final class KubernetesPodLabels implements PodLabelSource {
    private final String node;
    private final String cluster;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final InformedObjects<Namespace> namespaces;
    private final InformedObjects<Pod> pods;
    private final Object arrivals = new Object();

    public KubernetesPodLabels(KubernetesClient client, String node, String cluster) {
        this.node = node;
        this.cluster = cluster;
        this.namespaces = InformedObjects.start("Namespaces", client.namespaces().runnableInformer(0), this::namespaceChanged, false);
        try {
            this.pods = InformedObjects.start("Pods of node " + node,
                    client.pods().inAnyNamespace().withField("spec.nodeName", node).runnableInformer(0), this::podChanged, false);
        } catch (RuntimeException e) {
            namespaces.close();
            throw e;
        }
    }

    private void podChanged(String key, long sequence, Pod pod) {
        synchronized (arrivals) {
            arrivals.notifyAll();
        }
        if (pod == null || !onThisNode(pod)) return;
        for (Listener l : listeners) l.relabelled(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
    }

    private void namespaceChanged(String key, long sequence, Namespace ns) {
        if (ns == null) return;
        for (Pod p : pods == null ? List.<Pod>of() : pods.current()) {
            if (onThisNode(p) && Objects.equals(p.getMetadata().getNamespace(), ns.getMetadata().getName())) {
                for (Listener l : listeners) l.relabelled(p.getMetadata().getNamespace(), p.getMetadata().getName());
            }
        }
    }

    @Override
    public Optional<LabelSet> labels(String namespace, String pod, Map<String, String> runtimeLabels, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        synchronized (arrivals) {
            while (true) {
                Optional<LabelSet> l = now(namespace, pod);
                long left = deadline - System.nanoTime();
                if (l.isPresent() || left <= 0) return l;
                try {
                    arrivals.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }
        }
    }

    @Override
    public Optional<LabelSet> current(String namespace, String pod, LabelSet registered) {
        return now(namespace, pod);
    }

    private Optional<LabelSet> now(String namespace, String pod) {
        Pod p = pods.get(namespace + "/" + pod);
        if (p == null || !onThisNode(p)) return Optional.empty();
        Namespace ns = namespaces.get(namespace);
        Map<String, String> nsLabels = ns == null || ns.getMetadata().getLabels() == null ? Map.of() : ns.getMetadata().getLabels();
        Map<String, String> podLabels = p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
        String sa = p.getSpec() == null ? null : p.getSpec().getServiceAccountName();
        return Optional.of(PodLabels.of(namespace, podLabels, sa, nsLabels, cluster));
    }

    /** The API server selects by node already; checked again, as a pod's labels must never come from another node's pod. */
    private boolean onThisNode(Pod p) {
        return p.getSpec() != null && node.equals(p.getSpec().getNodeName());
    }

    @Override
    public void listen(Listener listener) {
        listeners.add(listener);
    }

    @Override
    public void close() {
        pods.close();
        namespaces.close();
    }
}
