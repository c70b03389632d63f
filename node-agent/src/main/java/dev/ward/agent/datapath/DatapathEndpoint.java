package dev.ward.agent.datapath;

import dev.ward.netlink.IpPrefix;

import java.util.List;

/**
 * A local endpoint as the datapath needs it: where its programs go (the host side of its veth, in the node's network
 * namespace) and the identity its packets carry.
 *
 * @param name      the endpoint's name in the policy engine ({@code namespace/pod}), which its tables are keyed by
 * @param addresses the pod's addresses as host prefixes; the ipcache holds them (through {@link PolicyDatapath#applyIpcache})
 */
public record DatapathEndpoint(String name, String veth, int vethIfindex, int identity, List<IpPrefix> addresses) {
    public DatapathEndpoint {
        addresses = List.copyOf(addresses);
    }
}
