package dev.ward.agent.ipcache;

import dev.ward.pki.NodeNames;

import java.util.List;

/**
 * What one node publishes about its endpoints, for every other node's ipcache: which identity each address has, and
 * that this node hosts it. One record per node (an etcd key {@code /ward/endpoints/v1/NODE}, a {@code WardNodeEndpoints}
 * object named by the node), so removing a node removes its records in one delete.
 */
public record NodeEndpoints(String node, List<Published> endpoints) {
    /** @param addresses host prefixes, {@code 10.244.1.5/32} */
    public record Published(String name, List<String> addresses, int identity) {
        public Published {
            addresses = List.copyOf(addresses);
        }
    }

    public NodeEndpoints {
        NodeNames.require(node, "node name");
        endpoints = List.copyOf(endpoints);
    }
}
