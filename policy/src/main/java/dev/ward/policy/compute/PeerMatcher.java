package dev.ward.policy.compute;

import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.label.Label;
import dev.ward.policy.label.LabelSelector;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.label.LabelSource;
import dev.ward.policy.model.Peer;
import dev.ward.policy.model.ServiceDefinition;

import java.util.Map;

/** Decides whether an identity is one of a peer's identities. */
final class PeerMatcher {
    static final String CLUSTER_LABEL = "io.cilium.k8s.policy.cluster";
    private static final String POD_NAMESPACE = "io.kubernetes.pod.namespace";

    private final String clusterName;
    private final Map<String, ServiceDefinition> services;

    PeerMatcher(String clusterName, Map<String, ServiceDefinition> services) {
        this.clusterName = clusterName;
        this.services = services;
    }

    boolean matches(Selection s, Identity id) {
        if (!matches(s.peer(), id)) return false;
        for (LabelSelector r : s.requires()) if (!r.matches(id.labels())) return false;
        return true;
    }

    boolean matches(Peer peer, Identity id) {
        LabelSet labels = id.labels();
        return switch (peer) {
            case Peer.Any a -> true;
            // Pure label matching, as in Cilium: CIDR and DNS identities carry reserved:world and their cidr: label,
            // which workload selectors never name (namespaced policies add the namespace term).
            case Peer.Endpoints e -> e.selector().matches(labels);
            case Peer.Nodes n -> isNode(labels) && n.selector().matches(labels);
            case Peer.Cidrs c -> id.prefix() != null ? c.covers(id.prefix())
                    : c.cidr().prefixLength() == 0 && id.id() == dev.ward.policy.identity.ReservedIdentity.WORLD.id();
            case Peer.Entities e -> entity(e, id);
            case Peer.Fqdn f -> {
                for (String name : id.fqdnNames()) if (f.pattern().matches(name)) yield true;
                yield false;
            }
            case Peer.Service s -> service(s, id);
        };
    }

    private static boolean isNode(LabelSet labels) {
        return labels.value(LabelSource.RESERVED, "remote-node") != null || labels.value(LabelSource.RESERVED, "host") != null;
    }

    private boolean entity(Peer.Entities e, Identity id) {
        LabelSet l = id.labels();
        return switch (e.entity()) {
            case ALL -> true;
            case NONE -> false;
            case WORLD -> reserved(l, "world");
            case WORLD_IPV4 -> reserved(l, "world") && (id.prefix() == null || id.prefix().isIpv4());
            case WORLD_IPV6 -> reserved(l, "world") && (id.prefix() == null || !id.prefix().isIpv4());
            case HOST -> reserved(l, "host");
            case REMOTE_NODE -> reserved(l, "remote-node");
            case KUBE_APISERVER -> reserved(l, "kube-apiserver");
            case INIT -> reserved(l, "init");
            case HEALTH -> reserved(l, "health");
            case UNMANAGED -> reserved(l, "unmanaged");
            case INGRESS -> reserved(l, "ingress");
            case CLUSTER -> reserved(l, "host") || reserved(l, "remote-node") || reserved(l, "init")
                    || reserved(l, "health") || reserved(l, "unmanaged") || reserved(l, "kube-apiserver")
                    || reserved(l, "ingress") || clusterName.equals(l.value(LabelSource.K8S, CLUSTER_LABEL));
        };
    }

    private static boolean reserved(LabelSet l, String name) {
        return l.value(LabelSource.RESERVED, name) != null;
    }

    private boolean service(Peer.Service s, Identity id) {
        if (IdentityNumbers.isNodeLocal(id.id())) return false;
        String podNs = id.labels().value(LabelSource.K8S, POD_NAMESPACE);
        for (ServiceDefinition svc : services.values()) {
            boolean named = s.name() != null
                    ? svc.name().equals(s.name()) && svc.namespace().equals(s.namespace())
                    : s.serviceSelector().matches(svc.labels()) && (s.namespace() == null || svc.namespace().equals(s.namespace()));
            if (named && svc.podSelector() != null && svc.namespace().equals(podNs)
                    && svc.podSelector().matches(id.labels())) {
                return true;
            }
        }
        return false;
    }

    static Label clusterLabel(String clusterName) {
        return Label.k8s(CLUSTER_LABEL, clusterName);
    }
}
