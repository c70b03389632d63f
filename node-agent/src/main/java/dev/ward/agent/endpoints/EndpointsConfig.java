package dev.ward.agent.endpoints;

import dev.ward.agent.datapath.DatapathKind;
import dev.ward.agent.policy.PolicyConfig;

import java.nio.file.Path;

/**
 * The node's endpoints and their policy.
 *
 * @param apiSocket where the agent serves its local API (the CNI plugin, {@code wardctl endpoint list})
 * @param netns     the node's network namespace, where pods' host-side veths are (null: the agent's own)
 */
public record EndpointsConfig(PolicyConfig policy, Path apiSocket, String netns, DatapathKind datapath, EndpointManager.Settings settings) {
    public EndpointsConfig {
        if (apiSocket == null) throw new IllegalArgumentException("the endpoints need an API socket path");
    }
}
