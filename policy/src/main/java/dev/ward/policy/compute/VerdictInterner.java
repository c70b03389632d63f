package dev.ward.policy.compute;

import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * One object per distinct verdict. Tables hold millions of rows but few distinct verdicts; sharing them saves
 * memory, and comparing old and new rows after a change becomes a reference check instead of comparing rule lists.
 * Weak, so verdicts no table uses any more are dropped.
 */
final class VerdictInterner {
    private final Map<Verdict, WeakReference<Verdict>> canonical = new WeakHashMap<>();

    Verdict intern(Verdict v) {
        WeakReference<Verdict> ref = canonical.get(v);
        Verdict existing = ref == null ? null : ref.get();
        if (existing != null) return existing;
        canonical.put(v, new WeakReference<>(v));
        return v;
    }
}
