package dev.ward.agent.flows;

import java.net.InetAddress;
import java.util.List;

/**
 * One end of a flow.
 *
 * @param address  its address (null when the source did not say, e.g. a DNS server reached through a name)
 * @param port     its port, 0 when none (ICMP) or unknown
 * @param identity its security identity, 0 when unknown
 * @param labels   the identity's labels as the policy engine holds them ({@code k8s:app=web}, {@code reserved:world},
 *                 {@code fqdn:api.example.com} for names the DNS proxy saw resolve to it); empty until resolved
 * @param endpoint the local endpoint ({@code namespace/pod}) when this end is a pod of this node, else null
 */
public record FlowPeer(InetAddress address, int port, int identity, List<String> labels, String endpoint) {
    public FlowPeer {
        labels = labels == null ? List.of() : List.copyOf(labels);
    }

    public FlowPeer withLabels(List<String> l) {
        return new FlowPeer(address, port, identity, l, endpoint);
    }

    public FlowPeer withEndpoint(String e) {
        return new FlowPeer(address, port, identity, labels, e);
    }
}
