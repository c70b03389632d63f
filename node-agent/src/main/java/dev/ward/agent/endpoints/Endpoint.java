package dev.ward.agent.endpoints;

import dev.ward.agent.datapath.DatapathEndpoint;
import dev.ward.agentapi.EndpointInfo;
import dev.ward.agentapi.EndpointState;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.label.Label;
import dev.ward.policy.label.LabelSet;

import java.util.List;

/**
 * A pod's network attachment on this node: who it is (its labels, and the identity allocated for them), where it is
 * (its network namespace, the host side of its veth) and its addresses.
 *
 * @param name      {@code namespace/pod}: its name in the policy engine and the datapath
 * @param addresses host prefixes ({@code /32}, {@code /128}) of the pod's addresses
 * @param labels    the workload's labels as Cilium forms them (pod labels, namespace, service account, namespace
 *                  labels, cluster), before the identity filter
 * @param identity  the allocated identity (its labels are the filtered ones); 0 until allocated
 */
public record Endpoint(String name, String namespace, String pod, String containerId, String ifname, String netns,
                       List<IpPrefix> addresses, String veth, int vethIfindex, LabelSet labels, int identity,
                       EndpointState state, String stateReason) {
    public Endpoint {
        addresses = List.copyOf(addresses);
    }

    /** What CNI names an attachment by: the container and the interface inside it. */
    public static String attachment(String containerId, String ifname) {
        return containerId + "/" + ifname;
    }

    public String attachment() {
        return attachment(containerId, ifname);
    }

    public Endpoint withIdentity(int id) {
        return new Endpoint(name, namespace, pod, containerId, ifname, netns, addresses, veth, vethIfindex, labels, id, state, stateReason);
    }

    public Endpoint withLabels(LabelSet l) {
        return new Endpoint(name, namespace, pod, containerId, ifname, netns, addresses, veth, vethIfindex, l, identity, state, stateReason);
    }

    public Endpoint withState(EndpointState s, String reason) {
        return new Endpoint(name, namespace, pod, containerId, ifname, netns, addresses, veth, vethIfindex, labels, identity, s, reason);
    }

    public DatapathEndpoint datapath() {
        return new DatapathEndpoint(name, veth, vethIfindex, identity, addresses);
    }

    public EndpointInfo info(String node) {
        return new EndpointInfo(name, namespace, pod, containerId, ifname, netns, addresses.stream().map(IpPrefix::toString).toList(),
                veth, vethIfindex, identity, labels.asList().stream().map(Label::toString).toList(), state, stateReason, node);
    }
}
