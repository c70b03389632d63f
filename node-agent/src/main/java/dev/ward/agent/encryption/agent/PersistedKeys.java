package dev.ward.agent.encryption.agent;

import dev.ward.agent.encryption.EpochKeyPair;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the agent keeps on the node across restarts: its epoch keys (so it can take its SAs back), the highest
 * rotation request it has handled (so it acts on each once), and when it last rotated (so the schedule holds
 * across restarts).
 */
public record PersistedKeys(List<EpochKeyPair> keyring, long rotationRequestsHandled, Optional<Instant> lastRotation) {
    public PersistedKeys {
        keyring = List.copyOf(keyring);
    }

    public static PersistedKeys none() {
        return new PersistedKeys(List.of(), 0, Optional.empty());
    }
}
