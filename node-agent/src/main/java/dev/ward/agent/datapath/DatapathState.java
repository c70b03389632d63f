package dev.ward.agent.datapath;

import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.VerdictTable;

import java.util.Map;

/**
 * Everything the datapath should hold, computed by the agent: each local endpoint with its full verdict table, and
 * the whole ipcache (the cluster's pod addresses, and the engine's node-local prefixes with a null node).
 */
public record DatapathState(Map<String, Endpoint> endpoints, Map<IpPrefix, IpcacheEntry> ipcache) {
    public record Endpoint(DatapathEndpoint endpoint, VerdictTable table) {}

    public DatapathState {
        endpoints = Map.copyOf(endpoints);
        ipcache = Map.copyOf(ipcache);
    }
}
