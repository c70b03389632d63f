package dev.ward.policy.compute;

import dev.ward.policy.identity.Identity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Each selection in use, resolved to the identities it matches. A new identity is tested once against every cached
 * selection, and the selections whose membership changed tell the engine which endpoints' tables to touch. A new
 * selection is resolved against the identities a label index says can match, not against all of them.
 */
final class SelectorCache {
    private static final class Entry {
        final IntSet members = new IntSet();
        int users;
    }

    private final PeerMatcher matcher;
    private final Map<Integer, Identity> identities;
    private final LabelIndex index = new LabelIndex();
    private final Map<Selection, Entry> entries = new HashMap<>();
    private final SelectionIndex selections = new SelectionIndex();

    /** @param identities the engine's identities, kept current through {@link #identityChanged} */
    SelectorCache(PeerMatcher matcher, Map<Integer, Identity> identities) {
        this.matcher = matcher;
        this.identities = identities;
        for (Identity id : identities.values()) index.add(id);
    }

    /** Starts (or counts one more) use of a selection; resolves it on first use. */
    void retain(Selection s) {
        Entry e = entries.get(s);
        if (e == null) {
            e = new Entry();
            IntSet candidates = index.candidates(s);
            if (candidates == null) {
                for (Identity id : identities.values()) if (matcher.matches(s, id)) e.members.add(id.id());
            } else {
                Entry target = e;
                candidates.forEach(n -> {
                    Identity id = identities.get(n);
                    if (id != null && matcher.matches(s, id)) target.members.add(n);
                });
            }
            entries.put(s, e);
            selections.add(s);
        }
        e.users++;
    }

    void release(Selection s) {
        Entry e = entries.get(s);
        if (e == null) throw new IllegalStateException("selection not cached: " + s);
        if (--e.users == 0) {
            entries.remove(s);
            selections.remove(s);
        }
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
     * Identity {@code id} changed from {@code before} to {@code after} (either may be null). Re-evaluates it against
     * the cached selections that can hold it and returns the selections that gained or lost it.
     */
    List<Selection> identityChanged(int id, Identity before, Identity after) {
        if (before != null) index.remove(before);
        if (after != null) index.add(after);
        // A selection that held the identity matched it as it was before; one that will hold it matches it now.
        Set<Selection> candidates = new HashSet<>();
        if (before != null) selections.candidates(before, candidates);
        if (after != null) selections.candidates(after, candidates);
        List<Selection> changed = new ArrayList<>();
        for (Selection s : candidates) {
            IntSet members = entries.get(s).members;
            boolean now = after != null && matcher.matches(s, after);
            boolean was = members.contains(id);
            if (now && !was) {
                members.add(id);
                changed.add(s);
            } else if (!now && was) {
                members.remove(id);
                changed.add(s);
            }
        }
        return changed;
    }

    /** Re-resolves the selections {@code which} accepts from scratch; returns each changed one with the ids that moved. */
    Map<Selection, Set<Integer>> reresolve(Predicate<Selection> which) {
        Map<Selection, Set<Integer>> changed = new HashMap<>();
        for (Map.Entry<Selection, Entry> me : entries.entrySet()) {
            if (!which.test(me.getKey())) continue;
            Set<Integer> moved = new HashSet<>();
            IntSet members = me.getValue().members;
            for (Identity id : identities.values()) {
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
