package dev.ward.policy.label;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * A label selector (matchLabels and matchExpressions, all ANDed) in canonical form, so equal selectors from
 * different policies compare equal and share one entry in the selector cache. The empty selector matches all.
 */
public final class LabelSelector {
    public static final LabelSelector ALL = new LabelSelector(List.of());

    private final List<Requirement> requirements;
    private final int hash;

    private LabelSelector(List<Requirement> sorted) {
        this.requirements = sorted;
        this.hash = sorted.hashCode();
    }

    public static LabelSelector of(List<Requirement> requirements) {
        return new LabelSelector(List.copyOf(new TreeSet<>(requirements)));
    }

    public List<Requirement> requirements() {
        return requirements;
    }

    public boolean isEmpty() {
        return requirements.isEmpty();
    }

    public boolean matches(LabelSet labels) {
        for (Requirement r : requirements) if (!r.matches(labels)) return false;
        return true;
    }

    /** Whether a requirement names exactly this key (any source in the selector that equals {@code key}). */
    public boolean namesKey(String source, String key) {
        for (Requirement r : requirements) {
            if (r.key().key().equals(key) && r.key().source().equals(source)) return true;
        }
        return false;
    }

    public boolean namesKeyWithPrefix(String source, String keyPrefix) {
        for (Requirement r : requirements) {
            if (r.key().key().startsWith(keyPrefix) && r.key().source().equals(source)) return true;
        }
        return false;
    }

    public boolean namesSource(String source) {
        for (Requirement r : requirements) if (r.key().source().equals(source)) return true;
        return false;
    }

    public LabelSelector and(Requirement extra) {
        List<Requirement> all = new ArrayList<>(requirements);
        all.add(extra);
        return of(all);
    }

    public LabelSelector and(LabelSelector other) {
        List<Requirement> all = new ArrayList<>(requirements);
        all.addAll(other.requirements);
        return of(all);
    }

    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof LabelSelector s && hash == s.hash && requirements.equals(s.requirements);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        if (requirements.isEmpty()) return "{}";
        StringBuilder sb = new StringBuilder("{");
        for (Requirement r : requirements) {
            if (sb.length() > 1) sb.append(", ");
            sb.append(r);
        }
        return sb.append('}').toString();
    }
}
