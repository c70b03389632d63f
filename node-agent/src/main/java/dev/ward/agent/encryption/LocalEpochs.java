package dev.ward.agent.encryption;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * This node's epoch keys: the current one plus older ones that installed SAs still involve. Older keys are
 * dropped as soon as nothing needs them, so a later compromise of the node reveals no retired key.
 */
final class LocalEpochs {
    private final TreeMap<Long, EpochKeyPair> keys = new TreeMap<>();

    LocalEpochs(Collection<EpochKeyPair> initial) {
        initial.forEach(key -> keys.put(key.epoch(), key));
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("a node needs at least one epoch key");
        }
    }

    EpochKeyPair current() {
        return keys.lastEntry().getValue();
    }

    Optional<EpochKeyPair> get(long epoch) {
        return Optional.ofNullable(keys.get(epoch));
    }

    void add(EpochKeyPair key) {
        if (key.epoch() <= current().epoch()) {
            throw new IllegalArgumentException("epoch " + key.epoch() + " does not follow the current epoch " + current().epoch());
        }
        keys.put(key.epoch(), key);
    }

    /** Drops every key except the current one and those listed. */
    void retain(Set<Long> needed) {
        long current = current().epoch();
        keys.keySet().removeIf(epoch -> epoch != current && !needed.contains(epoch));
    }

    List<EpochKeyPair> all() {
        return List.copyOf(keys.values());
    }
}
