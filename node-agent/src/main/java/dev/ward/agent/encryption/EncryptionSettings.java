package dev.ward.agent.encryption;

import java.time.Duration;
import java.util.List;

/**
 * Cluster-wide encryption settings.
 *
 * @param clusterPodCidrs every pod CIDR of the cluster: plaintext to or from these is blocked unless a peer's
 *                        ESP policy covers it, so a node that is not a member can neither reach nor be reached
 * @param drain how long a retired SA stays installed after its sender stopped using it, for packets in flight
 */
public record EncryptionSettings(EspCipher cipher, List<Cidr> clusterPodCidrs, Duration drain) {
    public EncryptionSettings {
        clusterPodCidrs = List.copyOf(clusterPodCidrs);
        if (clusterPodCidrs.isEmpty()) {
            throw new IllegalArgumentException("at least one cluster pod CIDR is needed to block plaintext");
        }
        if (drain.isNegative() || drain.isZero()) {
            throw new IllegalArgumentException("the drain period must be positive, got " + drain);
        }
    }
}
