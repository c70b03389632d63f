package dev.ward.agent.endpoints;

import dev.ward.agent.datapath.DatapathKind;
import dev.ward.agent.policy.PolicyConfig;
import dev.ward.bpf.datapath.DatapathConfig;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The node's endpoints and their policy.
 *
 * @param apiSocket      where the agent serves its local API (the CNI plugin, {@code wardctl endpoint list})
 * @param netns          the node's network namespace, where pods' host-side veths are (null: the agent's own)
 * @param bpfPinRoot     where the BPF datapath pins its programs and maps (one root per agent on a node)
 * @param reconcileEvery how often the datapath's state is read back in full and repaired where it drifted
 */
public record EndpointsConfig(PolicyConfig policy, Path apiSocket, String netns, DatapathKind datapath, EndpointManager.Settings settings,
                              Path bpfPinRoot, Duration reconcileEvery) {
    public static final Duration DEFAULT_RECONCILE = Duration.ofSeconds(30);

    public EndpointsConfig {
        if (apiSocket == null) throw new IllegalArgumentException("the endpoints need an API socket path");
        if (bpfPinRoot == null || !bpfPinRoot.isAbsolute()) throw new IllegalArgumentException("the BPF pin root must be an absolute path, not " + bpfPinRoot);
        if (reconcileEvery.isNegative() || reconcileEvery.isZero()) {
            throw new IllegalArgumentException("the datapath reconcile interval must be positive, not " + reconcileEvery);
        }
    }

    public EndpointsConfig(PolicyConfig policy, Path apiSocket, String netns, DatapathKind datapath, EndpointManager.Settings settings) {
        this(policy, apiSocket, netns, datapath, settings, DatapathConfig.DEFAULT_PIN_ROOT, DEFAULT_RECONCILE);
    }
}
