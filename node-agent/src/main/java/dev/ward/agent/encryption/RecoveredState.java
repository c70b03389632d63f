package dev.ward.agent.encryption;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * What a starting agent finds: its persisted epoch keys, its own last announcement in the store, the verified
 * announcements of its peers, and the ESP SAs in the kernel (Ward's own, found by the xfrm dump). A first start
 * finds nothing.
 */
public record RecoveredState(List<EpochKeyPair> keyring, Optional<NodeAnnouncement> ownLast,
                             Collection<NodeAnnouncement> peers, Collection<KernelSa> kernelSas) {
    public RecoveredState {
        keyring = List.copyOf(keyring);
        peers = List.copyOf(peers);
        kernelSas = List.copyOf(kernelSas);
    }

    public static RecoveredState nothing() {
        return new RecoveredState(List.of(), Optional.empty(), List.of(), List.of());
    }
}
