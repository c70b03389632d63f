package dev.ward.agentapi;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * An endpoint as the agent's registry holds it: what {@code wardctl endpoint list} shows and what the CNI plugin is
 * told when its pod is registered and ready.
 *
 * @param name        the endpoint's name in the policy engine and the datapath: {@code namespace/pod}
 * @param ips         the pod's addresses as prefixes ({@code 10.244.1.5/32})
 * @param veth        the host side of the pod's veth pair, and its ifindex in the node's network namespace
 * @param identity    the security identity of its labels; 0 while not yet allocated
 * @param labels      the identity labels, {@code source:key=value}, sorted
 * @param stateReason why it is not ready (failed, or what it waits for); null when ready
 * @param datapath    what the datapath's maps hold for it, read back from the kernel (endpoint lists only; null
 *                    when the maps hold nothing for it or the agent runs without a datapath)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EndpointInfo(String name, String namespace, String pod, String containerId, String ifname, String netns,
                           List<String> ips, String veth, int vethIfindex, int identity, List<String> labels,
                           EndpointState state, String stateReason, String node, DatapathInfo datapath) {
    public EndpointInfo {
        ips = ips == null ? List.of() : List.copyOf(ips);
        labels = labels == null ? List.of() : List.copyOf(labels);
    }

    public EndpointInfo(String name, String namespace, String pod, String containerId, String ifname, String netns,
                        List<String> ips, String veth, int vethIfindex, int identity, List<String> labels,
                        EndpointState state, String stateReason, String node) {
        this(name, namespace, pod, containerId, ifname, netns, ips, veth, vethIfindex, identity, labels, state, stateReason, node, null);
    }

    /** The same endpoint with what the datapath's maps hold for it (null: nothing). */
    public EndpointInfo withDatapath(DatapathInfo d) {
        return new EndpointInfo(name, namespace, pod, containerId, ifname, netns, ips, veth, vethIfindex, identity, labels, state,
                stateReason, node, d);
    }
}
