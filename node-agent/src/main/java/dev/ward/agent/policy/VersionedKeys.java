package dev.ward.agent.policy;

import java.util.HashMap;
import java.util.Map;

/** The last version applied per key, so a feed's changes apply only forwards. Engine thread only. */
final class VersionedKeys {
    private final Map<String, Long> applied = new HashMap<>();

    /** Whether {@code change} is newer than what was applied for its key; if so it counts as applied now. */
    boolean advance(StoreChange change) {
        Long last = applied.get(change.key());
        if (change.version() != 0 && last != null && change.version() <= last) return false;
        if (change.version() != 0) applied.put(change.key(), change.version());
        return true;
    }
}
