package dev.ward.dnsproxy.snapshot;

import dev.ward.dnsproxy.fqdn.PolicyDatapath;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.compute.TableDelta;
import dev.ward.policy.compute.VerdictEntry;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.model.Cidr;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * Writes the standalone engine's deltas in the node's numbering. The standalone proxy builds its engine from a
 * snapshot, so its node-local identities (policy CIDRs, learned addresses) get numbers in its own order, while the
 * pinned maps hold the agent's. Each prefix keeps one node number: the one the datapath already holds for it (asked
 * through {@link NodeIdentities}, e.g. the pinned ipcache), else a fresh one counted down from the top of the
 * node-local space, far from the agent's allocator, which counts up from the bottom.
 *
 * <p>Engine thread only.
 */
public final class LocalIdentityTranslation implements PolicyDatapath {
    /** The node-local identity the datapath's ipcache holds for a prefix now, if any. */
    @FunctionalInterface
    public interface NodeIdentities {
        OptionalInt heldFor(Cidr prefix);
    }

    private final PolicyDatapath target;
    private final NodeIdentities node;
    private final Map<Integer, Integer> engineToNode = new HashMap<>();
    private final Map<Cidr, Integer> nodeIdByPrefix = new HashMap<>();
    private final Map<Integer, Cidr> prefixByNodeId = new HashMap<>();
    private int nextFromTop = IdentityNumbers.NODE_LOCAL_FLAG | IdentityNumbers.MAX_NODE_LOCAL;

    public LocalIdentityTranslation(PolicyDatapath target, NodeIdentities node) {
        this.target = target;
        this.node = node;
    }

    @Override
    public CompletableFuture<Void> apply(EngineDelta delta) {
        EngineDelta translated;
        try {
            translated = translate(delta);
        } catch (IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
        return target.apply(translated);
    }

    /** Learns the numbering of a delta that is not written (an engine rebuilt from a snapshot replays its inputs). */
    public void observe(EngineDelta delta) {
        translate(delta);
    }

    /**
     * A new engine (built from a snapshot) replaces the old: its numbers are learned afresh from the identities it
     * holds (the policies' CIDRs among them), and prefixes keep the node numbers they had.
     */
    public void engineBuilt(PolicyEngine engine) {
        engineToNode.clear();
        for (Identity i : engine.identities()) {
            if (i.prefix() != null && IdentityNumbers.isNodeLocal(i.id())) engineToNode.put(i.id(), nodeIdFor(i.prefix()));
        }
    }

    public EngineDelta translate(EngineDelta d) {
        List<Identity> added = new ArrayList<>();
        for (Identity i : d.identitiesAdded()) {
            int nodeId = nodeIdFor(i.prefix());
            engineToNode.put(i.id(), nodeId);
            added.add(new Identity(nodeId, i.labels(), i.prefix(), i.fqdnNames()));
        }
        Map<String, TableDelta> tables = new LinkedHashMap<>();
        for (Map.Entry<String, TableDelta> e : d.tables().entrySet()) {
            TableDelta t = e.getValue();
            List<VerdictEntry> ups = new ArrayList<>(t.upserts().size());
            for (VerdictEntry v : t.upserts()) {
                ups.add(new VerdictEntry(v.direction(), map(v.remoteId()), v.protocol(), v.low(), v.high(), v.verdict()));
            }
            List<VerdictEntry.Key> rem = new ArrayList<>(t.removals().size());
            for (VerdictEntry.Key k : t.removals()) rem.add(new VerdictEntry.Key(k.direction(), map(k.remoteId()), k.protocol(), k.low(), k.high()));
            tables.put(e.getKey(), new TableDelta(t.endpoint(), ups, rem, t.ingressEnforced(), t.egressEnforced()));
        }
        List<Integer> removed = new ArrayList<>();
        for (int id : d.identitiesRemoved()) {
            Integer nodeId = engineToNode.remove(id);
            if (nodeId == null) throw new IllegalStateException("engine removed identity " + IdentityNumbers.describe(id) + " it never added");
            removed.add(nodeId);
            Cidr prefix = prefixByNodeId.remove(nodeId);
            if (prefix != null) nodeIdByPrefix.remove(prefix);
        }
        return new EngineDelta(tables, added, removed, d.rejected());
    }

    private int map(int id) {
        if (!IdentityNumbers.isNodeLocal(id)) return id;
        Integer n = engineToNode.get(id);
        if (n == null) throw new IllegalStateException("engine delta names identity " + IdentityNumbers.describe(id) + " before adding it");
        return n;
    }

    private int nodeIdFor(Cidr prefix) {
        Integer known = nodeIdByPrefix.get(prefix);
        if (known != null) return known;
        OptionalInt held = node.heldFor(prefix);
        int id = held.isPresent() ? held.getAsInt() : nextFromTop--;
        nodeIdByPrefix.put(prefix, id);
        prefixByNodeId.put(id, prefix);
        return id;
    }
}
