package dev.ward.policy.compute;

import dev.ward.policy.identity.Identity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Each selection in use, resolved to the identities it matches. A new identity is tested once against every cached
 * selection, and the selections whose membership changed tell the engine which endpoints' tables to touch.
 */
final class SelectorCache {
    private static final class Entry {
        final IntSet members = new IntSet();
        int users;
    }

    private final PeerMatcher matcher;
    private final Map<Selection, Entry> entries = new HashMap<>();

    SelectorCache(PeerMatcher matcher) {
        this.matcher = matcher;
    }

    /** Starts (or counts one more) use of a selection; resolves it against every known identity on first use. */
    void retain(Selection s, Iterable<Identity> identities) {
        Entry e = entries.get(s);
        if (e == null) {
            e = new Entry();
            for (Identity id : identities) if (matcher.matches(s, id)) e.members.add(id.id());
            entries.put(s, e);
        }
        e.users++;
    }

    void release(Selection s) {
        Entry e = entries.get(s);
        if (e == null) throw new IllegalStateException("selection not cached: " + s);
        if (--e.users == 0) entries.remove(s);
    }

    boolean contains(Selection s, int id) {
        Entry e = entries.get(s);
        return e != null && e.members.contains(id);
    }

    IntSet members(Selection s) {
        Entry e = entries.get(s);
        if (e == null) throw new IllegalStateException("selection not cached: " + s);
        return e.members;
    }

    /**
     * Re-evaluates identity {@code id} (now {@code identity}, or gone when null) against every cached selection.
     * Returns the selections that gained or lost it.
     */
    List<Selection> identityChanged(int id, Identity identity) {
        List<Selection> changed = new ArrayList<>();
        for (Map.Entry<Selection, Entry> me : entries.entrySet()) {
            boolean now = identity != null && matcher.matches(me.getKey(), identity);
            boolean before = me.getValue().members.contains(id);
            if (now && !before) {
                me.getValue().members.add(id);
                changed.add(me.getKey());
            } else if (!now && before) {
                me.getValue().members.remove(id);
                changed.add(me.getKey());
            }
        }
        return changed;
    }

    /** Re-resolves the selections {@code which} accepts from scratch; returns each changed one with the ids that moved. */
    Map<Selection, java.util.Set<Integer>> reresolve(java.util.function.Predicate<Selection> which, Iterable<Identity> identities) {
        Map<Selection, java.util.Set<Integer>> changed = new HashMap<>();
        for (Map.Entry<Selection, Entry> me : entries.entrySet()) {
            if (!which.test(me.getKey())) continue;
            java.util.Set<Integer> moved = new java.util.HashSet<>();
            IntSet members = me.getValue().members;
            for (Identity id : identities) {
                boolean now = matcher.matches(me.getKey(), id);
                if (now != members.contains(id.id())) {
                    if (now) members.add(id.id());
                    else members.remove(id.id());
                    moved.add(id.id());
                }
            }
            if (!moved.isEmpty()) changed.put(me.getKey(), moved);
        }
        return changed;
    }

    int size() {
        return entries.size();
    }
}
