package dev.ward.policy.compute;

import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.model.Action;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.model.RuleRef;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Builds the table rows for one remote identity (or for "any") from the contributions that apply to it.
 *
 * <p>The semantics live here: deny beats allow everywhere; a plain L4 allow beats L7 restrictions for the same
 * flows; L7 allows of one type merge into one redirect. Rows for a specific identity are written only where a
 * rule names that identity (not only "any"), and then carry the full merge, so the datapath's lookup (specific
 * row first, then the "any" row, then the direction's default) gives exactly the merged verdict.
 */
final class CellBuilder {
    private CellBuilder() {}

    static List<VerdictEntry> build(int remoteId, List<Contribution> relevant, ConflictIndex conflicts) {
        return build(remoteId, relevant, conflicts, null);
    }

    static List<VerdictEntry> build(int remoteId, List<Contribution> relevant, ConflictIndex conflicts, VerdictInterner interner) {
        List<VerdictEntry> out = new ArrayList<>();
        boolean specific = remoteId != IdentityNumbers.ANY;
        int protocols = Protocol.TABLE_PROTOCOLS.size();
        // Bucket by direction and protocol in one pass; most identities see a handful of contributions.
        @SuppressWarnings("unchecked")
        List<Contribution>[] buckets = new List[Direction.values().length * protocols];
        boolean[] anySpecific = new boolean[buckets.length];
        for (Contribution c : relevant) {
            int b = c.direction().ordinal() * protocols + Protocol.TABLE_PROTOCOLS.indexOf(c.protocol());
            if (buckets[b] == null) buckets[b] = new ArrayList<>(4);
            buckets[b].add(c);
            anySpecific[b] |= !c.selection().wildcard();
        }
        for (int b = 0; b < buckets.length; b++) {
            if (buckets[b] == null || (specific && !anySpecific[b])) continue;
            segments(remoteId, Direction.values()[b / protocols], Protocol.TABLE_PROTOCOLS.get(b % protocols), buckets[b],
                    specific, conflicts, interner, out);
        }
        return out;
    }

    /** The (direction, protocol) bucket a contribution's rows fall in; rows of different buckets never interact. */
    static int bucketOf(Contribution c) {
        return c.direction().ordinal() * Protocol.TABLE_PROTOCOLS.size() + Protocol.TABLE_PROTOCOLS.indexOf(c.protocol());
    }

    /** The rows of one bucket for a specific identity, from the contributions that apply to it in that bucket. */
    static List<VerdictEntry> bucketRows(int remoteId, int bucket, List<Contribution> cs, ConflictIndex conflicts,
                                         VerdictInterner interner) {
        List<VerdictEntry> out = new ArrayList<>();
        int protocols = Protocol.TABLE_PROTOCOLS.size();
        segments(remoteId, Direction.values()[bucket / protocols], Protocol.TABLE_PROTOCOLS.get(bucket % protocols), cs,
                remoteId != IdentityNumbers.ANY, conflicts, interner, out);
        return out;
    }

    private static void segments(int remoteId, Direction d, Protocol p, List<Contribution> cs, boolean specific,
                                 ConflictIndex conflicts, VerdictInterner interner, List<VerdictEntry> out) {
        TreeSet<Integer> bounds = new TreeSet<>();
        for (Contribution c : cs) {
            bounds.add(c.low());
            bounds.add(c.high() + 1);
        }
        Integer[] b = bounds.toArray(new Integer[0]);
        VerdictEntry last = null;
        for (int i = 0; i + 1 < b.length; i++) {
            int low = b[i];
            int high = b[i + 1] - 1;
            List<Contribution> covering = new ArrayList<>();
            boolean anySpecific = false;
            for (Contribution c : cs) {
                if (c.low() <= low && c.high() >= high) {
                    covering.add(c);
                    anySpecific |= !c.selection().wildcard();
                }
            }
            if (covering.isEmpty() || (specific && !anySpecific)) {
                last = null;
                continue;
            }
            Verdict v = merge(covering, conflicts.conflicts(d, p, low, high));
            if (interner != null) v = interner.intern(v);
            if (last != null && last.high() == low - 1 && last.verdict().equals(v)) {
                last = new VerdictEntry(d, remoteId, p, last.low(), high, v);
                out.set(out.size() - 1, last);
            } else {
                last = new VerdictEntry(d, remoteId, p, low, high, v);
                out.add(last);
            }
        }
    }

    static Verdict merge(List<Contribution> covering, boolean l7Conflict) {
        TreeSet<RuleRef> denies = new TreeSet<>();
        TreeSet<RuleRef> plain = new TreeSet<>();
        TreeSet<RuleRef> l7Refs = new TreeSet<>();
        TreeSet<String> types = new TreeSet<>();
        TreeSet<L7Grant> grants = new TreeSet<>();
        for (Contribution c : covering) {
            if (c.action() == Action.DENY) {
                denies.add(c.ref());
            } else if (c.l7() == null) {
                plain.add(c.ref());
            } else {
                l7Refs.add(c.ref());
                types.add(c.l7().type());
                for (Object rule : c.l7().rules()) grants.add(new L7Grant(rule, c.ref()));
            }
        }
        if (!denies.isEmpty()) return Verdict.deny(List.copyOf(denies));
        if (!plain.isEmpty()) return Verdict.allow(List.copyOf(plain));
        if (types.size() > 1 || l7Conflict) {
            return new Verdict(Verdict.Kind.DENY, null, List.of(), List.copyOf(l7Refs), true);
        }
        return new Verdict(Verdict.Kind.REDIRECT, types.first(), List.copyOf(grants), List.copyOf(l7Refs), false);
    }
}
