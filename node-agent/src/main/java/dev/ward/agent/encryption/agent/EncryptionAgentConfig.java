package dev.ward.agent.encryption.agent;

import dev.ward.agent.encryption.EncryptionSettings;
import dev.ward.agent.encryption.EpochKeySource;
import dev.ward.agent.encryption.LocalNode;
import java.time.Clock;
import java.time.Duration;

/**
 * How one node's encryption agent runs.
 *
 * @param rotateEvery    how long an epoch lasts before the node rotates on its own (operators can ask sooner)
 * @param reconcileEvery how often the agent also reads the kernel in full and repairs drift (events apply only what
 *                       they change); the store is followed by its watches, never re-listed
 */
public record EncryptionAgentConfig(LocalNode local, EncryptionSettings settings, Duration rotateEvery,
                                    EpochKeySource keySource, Clock clock, Duration reconcileEvery) {
    public static final Duration DEFAULT_ROTATION = Duration.ofHours(24);
    public static final Duration DEFAULT_RECONCILE = Duration.ofSeconds(30);

    public EncryptionAgentConfig {
        if (rotateEvery.isNegative() || rotateEvery.isZero()) {
            throw new IllegalArgumentException("--rotate-every must be positive, got " + rotateEvery);
        }
        if (reconcileEvery.isNegative() || reconcileEvery.isZero()) {
            throw new IllegalArgumentException("the reconcile interval must be positive, got " + reconcileEvery);
        }
        for (var pod : local.podCidrs()) {
            if (settings.clusterPodCidrs().stream().noneMatch(cluster -> cluster.encloses(pod))) {
                throw new IllegalArgumentException("pod CIDR " + pod + " of " + local.name() + " is not inside the cluster's pod CIDRs "
                        + settings.clusterPodCidrs() + ": its pods' traffic would be neither encrypted nor blocked");
            }
        }
    }

    public EncryptionAgentConfig(LocalNode local, EncryptionSettings settings, Duration rotateEvery, Clock clock) {
        this(local, settings, rotateEvery, EpochKeySource.clockBased(clock), clock, DEFAULT_RECONCILE);
    }

    /** The same with the node's pod CIDRs, once known (on Kubernetes they come from the Node object). */
    public EncryptionAgentConfig withPodCidrs(java.util.List<dev.ward.agent.encryption.Cidr> podCidrs) {
        return new EncryptionAgentConfig(new LocalNode(local.name(), local.underlay(), podCidrs), settings, rotateEvery, keySource,
                clock, reconcileEvery);
    }

    public EncryptionAgentConfig withReconcileEvery(Duration every) {
        return new EncryptionAgentConfig(local, settings, rotateEvery, keySource, clock, every);
    }
}
