package dev.ward.agent.encryption;

import dev.ward.agent.encryption.agent.EncryptionAgentConfig;

/**
 * How the node encrypts pod traffic to other nodes, and where its kernel state is.
 *
 * @param netns         the node's network namespace (as in {@code ip netns}); null: the agent's own
 * @param offloadDevice the device to ask for ESP offload on; null: software ESP
 */
public record EncryptionConfig(EncryptionAgentConfig agent, String netns, String offloadDevice) {}
