package dev.ward.policy.compute;

import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.model.PolicyKey;
import dev.ward.policy.model.Rule;
import dev.ward.policy.model.RuleRef;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The policy state of one local endpoint: the rules that select it, their contributions indexed by selection,
 * and its table rows keyed by remote identity. Rows for one identity can be rebuilt on their own, which is what
 * makes updates incremental.
 */
final class EndpointPolicy {
    final LocalEndpoint endpoint;
    final boolean host;
    final TreeMap<PolicyKey, List<Rule>> selecting = new TreeMap<>();
    /** Rows by remote identity; each identity's rows in table order (direction, protocol, first port). */
    final IntMap<List<VerdictEntry>> rows = new IntMap<>();
    private List<Contribution> contributions = List.of();
    private List<Contribution> wildcard = List.of();
    private Map<Selection, List<Contribution>> bySelection = Map.of();
    /** The selections in a fixed order, so a set of them is a BitSet. */
    private List<Selection> selectionOrder = List.of();
    private List<List<Contribution>> contributionsByIndex = List.of();
    /**
     * Rows for a set of matching selections, with a placeholder identity: every identity matched by exactly the same
     * selections gets the same rows (and shares their verdict objects), so each distinct set is merged once.
     */
    private final Map<BitSet, List<VerdictEntry>> templates = new HashMap<>();
    /**
     * Rows of one (direction, protocol) bucket for one set of contributions. Identities with different selection
     * sets mostly differ in one bucket only; the other buckets' rows are reused rather than merged again. Kept
     * across recompilations while the conflicts stay the same: a new rule leaves most buckets as they were.
     */
    private final Map<BucketKey, List<VerdictEntry>> bucketTemplates = new HashMap<>();
    private int[] wildcardIdx = new int[0];
    private int[][] selectionIdx = new int[0][];
    private int[] bucket = new int[0];

    /** Contributions that stay across a recompilation stay the same objects, so comparing keys is mostly identity. */
    private record BucketKey(int bucket, List<Contribution> contributions) {}

    private ConflictIndex conflicts = ConflictIndex.NONE;
    private Map<Direction, List<RuleRef>> enforcing = new EnumMap<>(Direction.class);

    private final VerdictInterner interner;

    EndpointPolicy(LocalEndpoint endpoint, VerdictInterner interner) {
        this.endpoint = endpoint;
        this.host = endpoint.isHost();
        this.interner = interner;
    }

    String name() {
        return endpoint.name();
    }

    List<Rule> selectingRules() {
        List<Rule> out = new ArrayList<>();
        selecting.values().forEach(out::addAll);
        return out;
    }

    void setContributions(List<Contribution> compiled) {
        Map<Contribution, Contribution> previous = new HashMap<>();
        for (Contribution c : contributions) previous.putIfAbsent(c, c);
        List<Contribution> cs = new ArrayList<>(compiled.size());
        for (Contribution c : compiled) cs.add(previous.getOrDefault(c, c));
        contributions = List.copyOf(cs);
        List<Contribution> wc = new ArrayList<>();
        Map<Selection, List<Contribution>> by = new LinkedHashMap<>();
        for (Contribution c : cs) {
            if (c.selection().wildcard()) wc.add(c);
            else by.computeIfAbsent(c.selection(), k -> new ArrayList<>()).add(c);
        }
        wildcard = wc;
        bySelection = by;
        selectionOrder = List.copyOf(by.keySet());
        List<List<Contribution>> byIndex = new ArrayList<>();
        for (Selection sel : selectionOrder) byIndex.add(by.get(sel));
        contributionsByIndex = byIndex;
        templates.clear();
        Map<Contribution, Integer> position = new HashMap<>();
        bucket = new int[cs.size()];
        for (int i = 0; i < cs.size(); i++) {
            position.putIfAbsent(cs.get(i), i);
            bucket[i] = CellBuilder.bucketOf(cs.get(i));
        }
        wildcardIdx = positions(wc, position);
        selectionIdx = new int[selectionOrder.size()][];
        for (int i = 0; i < selectionOrder.size(); i++) selectionIdx[i] = positions(by.get(selectionOrder.get(i)), position);
        memberSets = null;
        ConflictIndex now = ConflictIndex.of(cs);
        if (!now.all().equals(conflicts.all())) {
            bucketTemplates.clear();
        } else {
            Set<Contribution> present = new HashSet<>(cs);
            bucketTemplates.keySet().removeIf(k -> !present.containsAll(k.contributions()));
        }
        conflicts = now;
        Map<Direction, List<RuleRef>> enf = new EnumMap<>(Direction.class);
        for (Direction d : Direction.values()) {
            List<RuleRef> refs = new ArrayList<>();
            for (Rule r : selectingRules()) if (r.enforces(d)) refs.add(r.ref());
            enf.put(d, refs);
        }
        enforcing = enf;
    }

    /** The distinct first positions of {@code cs} in the contribution list, ascending. */
    private static int[] positions(List<Contribution> cs, Map<Contribution, Integer> position) {
        int[] out = new int[cs.size()];
        for (int i = 0; i < out.length; i++) out[i] = position.get(cs.get(i));
        Arrays.sort(out);
        int n = 0;
        for (int i = 0; i < out.length; i++) if (n == 0 || out[n - 1] != out[i]) out[n++] = out[i];
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    List<Contribution> contributions() {
        return contributions;
    }

    List<Contribution> wildcard() {
        return wildcard;
    }

    Set<Selection> selections() {
        return bySelection.keySet();
    }

    ConflictIndex conflicts() {
        return conflicts;
    }

    Map<Direction, List<RuleRef>> enforcing() {
        return enforcing;
    }

    /** The contributions that apply to remote identity {@code id}. */
    List<Contribution> relevantFor(int id, Membership m) {
        return id == IdentityNumbers.ANY ? wildcard : relevant(signature(id, m));
    }

    private Membership resolvedFor;
    private IntSet[] memberSets;

    private BitSet signature(int id, Membership m) {
        IntSet[] sets = resolvedSets(m);
        BitSet sig = new BitSet(sets.length);
        for (int i = 0; i < sets.length; i++) if (sets[i].contains(id)) sig.set(i);
        return sig;
    }

    private IntSet[] resolvedSets(Membership m) {
        // The member sets stay the same objects while this endpoint retains its selections: resolve them once.
        if (resolvedFor != m || memberSets == null) {
            memberSets = new IntSet[selectionOrder.size()];
            for (int i = 0; i < memberSets.length; i++) memberSets[i] = m.members(selectionOrder.get(i));
            resolvedFor = m;
        }
        return memberSets;
    }

    private List<Contribution> relevant(BitSet sig) {
        List<Contribution> out = new ArrayList<>(wildcard);
        for (int i = sig.nextSetBit(0); i >= 0; i = sig.nextSetBit(i + 1)) out.addAll(contributionsByIndex.get(i));
        return out;
    }

    private List<VerdictEntry> template(BitSet sig) {
        int buckets = Direction.values().length * Protocol.TABLE_PROTOCOLS.size();
        java.util.BitSet[] perBucket = new java.util.BitSet[buckets];
        boolean[] specific = new boolean[buckets];
        for (int i : wildcardIdx) (perBucket[bucket[i]] == null ? perBucket[bucket[i]] = new BitSet() : perBucket[bucket[i]]).set(i);
        for (int s = sig.nextSetBit(0); s >= 0; s = sig.nextSetBit(s + 1)) {
            for (int i : selectionIdx[s]) {
                (perBucket[bucket[i]] == null ? perBucket[bucket[i]] = new BitSet() : perBucket[bucket[i]]).set(i);
                specific[bucket[i]] = true;
            }
        }
        List<VerdictEntry> out = new ArrayList<>();
        for (int b = 0; b < buckets; b++) {
            if (!specific[b]) continue;
            List<Contribution> cs = new ArrayList<>();
            for (int i = perBucket[b].nextSetBit(0); i >= 0; i = perBucket[b].nextSetBit(i + 1)) cs.add(contributions.get(i));
            out.addAll(bucketTemplates.computeIfAbsent(new BucketKey(b, cs),
                    k -> CellBuilder.bucketRows(TEMPLATE_ID, k.bucket(), k.contributions(), conflicts, interner)));
        }
        return out;
    }

    private List<VerdictEntry> rowsFor(int id, BitSet sig) {
        if (sig.isEmpty()) return List.of();
        List<VerdictEntry> template = templates.computeIfAbsent(sig, this::template);
        List<VerdictEntry> out = new ArrayList<>(template.size());
        for (VerdictEntry t : template) out.add(new VerdictEntry(t.direction(), id, t.protocol(), t.low(), t.high(), t.verdict()));
        return out;
    }

    /** Any identity other than ANY works as the template's placeholder; it never reaches a table. */
    private static final int TEMPLATE_ID = -1;

    /** Rebuilds the rows for one identity; returns its rows before (empty when it had none). */
    List<VerdictEntry> rebuild(int id, Membership m) {
        List<VerdictEntry> built = id == IdentityNumbers.ANY ? CellBuilder.build(id, wildcard, conflicts, interner) : rowsFor(id, signature(id, m));
        return install(id, built);
    }

    /**
     * Rebuilds the rows for many identities (none of them "any"); returns each one's rows before, in the order of
     * {@code ids}. Membership is tested one selection at a time across all the identities, not one identity at a
     * time across all the selections: a broad rule touches thousands of identities, and each selection's member
     * set then stays in the CPU cache while it is tested.
     */
    List<List<VerdictEntry>> rebuild(int[] ids, Membership m) {
        IntSet[] sets = resolvedSets(m);
        BitSet[] sigs = new BitSet[ids.length];
        for (int j = 0; j < ids.length; j++) sigs[j] = new BitSet(sets.length);
        for (int i = 0; i < sets.length; i++) {
            IntSet set = sets[i];
            if (set.size() == 0) continue;
            for (int j = 0; j < ids.length; j++) if (set.contains(ids[j])) sigs[j].set(i);
        }
        List<List<VerdictEntry>> previous = new ArrayList<>(ids.length);
        for (int j = 0; j < ids.length; j++) previous.add(install(ids[j], rowsFor(ids[j], sigs[j])));
        return previous;
    }

    private List<VerdictEntry> install(int id, List<VerdictEntry> built) {
        List<VerdictEntry> previous = built.isEmpty() ? rows.remove(id) : rows.put(id, built);
        return previous == null ? List.of() : previous;
    }

    /** Rebuilds every row: "any" plus every identity some selection matches. */
    void rebuildAll(Membership m) {
        rows.clear();
        IntMap<BitSet> perId = new IntMap<>();
        for (int i = 0; i < selectionOrder.size(); i++) {
            int index = i;
            m.members(selectionOrder.get(i)).forEach(id -> {
                BitSet sig = perId.get(id);
                if (sig == null) perId.put(id, sig = new BitSet());
                sig.set(index);
            });
        }
        List<VerdictEntry> any = CellBuilder.build(IdentityNumbers.ANY, wildcard, conflicts, interner);
        if (!any.isEmpty()) rows.put(IdentityNumbers.ANY, any);
        for (int id : perId.keys()) {
            List<VerdictEntry> built = rowsFor(id, perId.get(id));
            if (!built.isEmpty()) rows.put(id, built);
        }
    }

    VerdictTable table() {
        return new VerdictTable(name(), enforcing, rows.copyInto(new HashMap<>()), conflicts.all());
    }
}
