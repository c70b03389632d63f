package dev.ward.agent.node;

import dev.ward.agent.encryption.Cidr;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * This node's Node object in the Kubernetes API: its pod CIDRs ({@code spec.podCIDRs}, which the node IPAM
 * controller sets once, shortly after the node registers, and never changes) and whether it still exists.
 */
public final class KubernetesNode implements NodePresence {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesNode.class);

    private final KubernetesClient client;
    private final String name;

    public KubernetesNode(KubernetesClient client, String name) {
        this.client = client;
        this.name = name;
    }

    /**
     * The node's pod CIDRs, waiting up to {@code timeout} for the controller to assign them (a node that has just
     * registered has none yet). Fails naming the Node if it does not exist or gets none in time.
     */
    public List<Cidr> podCidrs(Duration timeout) {
        Node node;
        try {
            node = client.nodes().withName(name).waitUntilCondition(n -> n == null || !cidrs(n).isEmpty(),
                    timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientException e) {
            if (client.nodes().withName(name).get() == null) throw noNode();
            throw new IllegalStateException("Node " + name + " got no spec.podCIDRs within " + timeout.toSeconds()
                    + " s (is the controller manager's --allocate-node-cidrs on? otherwise give --pod-cidr)", e);
        }
        if (node == null) throw noNode();
        List<Cidr> parsed = new ArrayList<>();
        for (String cidr : cidrs(node)) {
            try {
                parsed.add(Cidr.parse(cidr));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("Node " + name + " has an invalid spec.podCIDRs entry '" + cidr + "': " + e.getMessage(), e);
            }
        }
        LOG.info("node {}: pod CIDRs {} from its Node object", name, parsed);
        return parsed;
    }

    @Override
    public boolean inCluster() {
        return client.nodes().withName(name).get() != null;
    }

    private IllegalStateException noNode() {
        return new IllegalStateException("there is no Node " + name + " in the Kubernetes API to read spec.podCIDRs from"
                + " (is --node this node's name?)");
    }

    private static List<String> cidrs(Node node) {
        if (node.getSpec() == null) return List.of();
        List<String> cidrs = node.getSpec().getPodCIDRs();
        if (cidrs != null && !cidrs.isEmpty()) return cidrs;
        // spec.podCIDR alone: clusters from before dual stack.
        String single = node.getSpec().getPodCIDR();
        return single == null || single.isBlank() ? List.of() : List.of(single);
    }
}
