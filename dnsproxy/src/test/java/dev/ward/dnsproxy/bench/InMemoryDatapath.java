package dev.ward.dnsproxy.bench;

import dev.ward.dnsproxy.fqdn.PolicyDatapath;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.TableDelta;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.compute.VerdictEntry;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.model.Cidr;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The benchmark's stand-in for the BPF maps: hash maps written on the engine's thread, confirmed at once. It keeps
 * no history (unlike the tests' recording datapath), so a long run does not grow it.
 */
final class InMemoryDatapath implements PolicyDatapath {
    private final Map<Cidr, Integer> ipcache = new HashMap<>();
    private final Map<String, Map<VerdictEntry.Key, Verdict>> rows = new HashMap<>();
    private long deltas;

    @Override
    public synchronized CompletableFuture<Void> apply(EngineDelta d) {
        for (Identity i : d.identitiesAdded()) if (i.prefix() != null) ipcache.put(i.prefix(), i.id());
        for (TableDelta t : d.tables().values()) {
            Map<VerdictEntry.Key, Verdict> r = rows.computeIfAbsent(t.endpoint(), k -> new HashMap<>());
            for (VerdictEntry.Key k : t.removals()) r.remove(k);
            for (VerdictEntry e : t.upserts()) r.put(e.key(), e.verdict());
        }
        deltas++;
        return CompletableFuture.completedFuture(null);
    }

    synchronized int ipcacheSize() {
        return ipcache.size();
    }
}
