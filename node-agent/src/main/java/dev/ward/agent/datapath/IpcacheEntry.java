package dev.ward.agent.datapath;

/**
 * What the ipcache holds for one prefix: the security identity of traffic from it and the node hosting it.
 *
 * @param node the node whose pod holds the prefix (this node's name for local pods); null for the node-local
 *             prefixes of the policy engine (CIDR rules, DNS answers), which belong to no node
 */
public record IpcacheEntry(int identity, String node) {}
