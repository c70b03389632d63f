package dev.ward.keyd.k8s;

import dev.ward.store.ClusterStore;
import dev.ward.trust.k8s.WardKubernetes;
import dev.ward.keyd.IdentityEnvironment;
import dev.ward.keyd.store.IdentityStore;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/** A Kubernetes cluster (mock API server with real API-server semantics for identity and conflicts). */
public final class KubernetesEnvironment implements IdentityEnvironment {
    private final KubernetesCluster cluster = new KubernetesCluster();
    private final Map<String, ClusterStore> agents = new ConcurrentHashMap<>();

    public KubernetesCluster cluster() {
        return cluster;
    }

    @Override
    public IdentityStore connect() {
        return new KubernetesIdentityStore(cluster.admin(), WardKubernetes.NAMESPACE, false);
    }

    @Override
    public synchronized void addNode(String node) {
        KubernetesClient admin = cluster.admin();
        if (admin.nodes().withName(node).get() == null) cluster.addNode(node);
    }

    @Override
    public ClusterStore agentStoreOn(String node) {
        return agents.computeIfAbsent(node, n -> new ClusterStore.Kubernetes(cluster.agentOn(n)));
    }

    @Override
    public void tamperWithTrust(UnaryOperator<Map<String, String>> change) {
        KubernetesClient admin = cluster.admin();
        ConfigMap cm = admin.configMaps().inNamespace(WardKubernetes.NAMESPACE).withName(WardKubernetes.TRUST_CONFIGMAP).get();
        cm.setData(change.apply(new HashMap<>(cm.getData())));
        cm.getMetadata().setResourceVersion(null);
        admin.configMaps().inNamespace(WardKubernetes.NAMESPACE).resource(cm).update();
    }

    @Override
    public void close() {
        cluster.close();
    }
}
