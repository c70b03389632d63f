package dev.ward.agent.encryption;

import java.time.Clock;

/** Where a node's next epoch key comes from. */
@FunctionalInterface
public interface EpochKeySource {
    /** A fresh key pair for an epoch above {@code previousEpoch} (0 when the node has no history). */
    EpochKeyPair next(long previousEpoch);

    /**
     * Epoch numbers that are at least the current Unix second. A node whose keyring and store record were both
     * lost (deleted and re-added) still announces an epoch above anything its peers remember, instead of being
     * refused as a replay of itself.
     */
    static EpochKeySource clockBased(Clock clock) {
        return previous -> EpochKeyPair.generate(Math.max(previous + 1, clock.instant().getEpochSecond()));
    }
}
