package dev.ward.agent.datapath;

import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.TableDelta;
import dev.ward.policy.compute.VerdictEntry;
import dev.ward.policy.compute.VerdictTable;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.model.Cidr;
import dev.ward.policy.model.Direction;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * A datapath that holds in memory what the kernel's maps would (each endpoint's rows and enforcement, the ipcache)
 * and enforces nothing: {@code ward agent --datapath none} until the BPF datapath is plugged in, and the model tests
 * compare with the engine. Every call completes at once. Thread-safe for readers; written by the engine loop.
 */
public class InMemoryDatapath implements PolicyDatapath {
    /** One endpoint as the maps would hold it. */
    public record Held(DatapathEndpoint endpoint, Map<VerdictEntry.Key, VerdictEntry> rows, boolean ingressEnforced,
                       boolean egressEnforced) {
        public List<VerdictEntry> entries() {
            List<VerdictEntry> out = new ArrayList<>(rows.values());
            out.sort(VerdictTable.ORDER);
            return out;
        }

        public boolean enforced(Direction d) {
            return d == Direction.INGRESS ? ingressEnforced : egressEnforced;
        }

        /** The same rows and enforcement as {@code table}: what the datapath must hold for the endpoint. */
        public boolean holds(VerdictTable table) {
            return entries().equals(table.entries()) && ingressEnforced == table.enforced(Direction.INGRESS)
                    && egressEnforced == table.enforced(Direction.EGRESS);
        }
    }

    private final Map<String, Held> endpoints = new TreeMap<>();
    private final Map<IpPrefix, IpcacheEntry> ipcache = new LinkedHashMap<>();

    @Override
    public synchronized CompletableFuture<Void> reconcile(DatapathState desired) {
        endpoints.clear();
        desired.endpoints().forEach((name, e) -> endpoints.put(name, held(e.endpoint(), e.table())));
        ipcache.clear();
        ipcache.putAll(desired.ipcache());
        return done();
    }

    @Override
    public synchronized CompletableFuture<Void> apply(EngineDelta delta) {
        for (Identity id : delta.identitiesAdded()) {
            if (id.prefix() != null) ipcache.put(prefix(id.prefix()), new IpcacheEntry(id.id(), null));
        }
        for (TableDelta t : delta.tables().values()) {
            Held h = endpoints.get(t.endpoint());
            if (h == null) continue;
            Map<VerdictEntry.Key, VerdictEntry> rows = new HashMap<>(h.rows());
            for (VerdictEntry.Key k : t.removals()) rows.remove(k);
            for (VerdictEntry e : t.upserts()) rows.put(e.key(), e);
            endpoints.put(t.endpoint(), new Held(h.endpoint(), rows,
                    t.ingressEnforced() == null ? h.ingressEnforced() : t.ingressEnforced(),
                    t.egressEnforced() == null ? h.egressEnforced() : t.egressEnforced()));
        }
        if (!delta.identitiesRemoved().isEmpty()) {
            ipcache.entrySet().removeIf(e -> e.getValue().node() == null && delta.identitiesRemoved().contains(e.getValue().identity()));
        }
        return done();
    }

    @Override
    public synchronized CompletableFuture<Void> putEndpoint(DatapathEndpoint endpoint, VerdictTable table) {
        endpoints.put(endpoint.name(), held(endpoint, table));
        return done();
    }

    @Override
    public synchronized CompletableFuture<Void> removeEndpoint(String name) {
        endpoints.remove(name);
        return done();
    }

    @Override
    public synchronized CompletableFuture<Void> applyIpcache(IpcacheDelta delta) {
        delta.removals().forEach(ipcache::remove);
        ipcache.putAll(delta.upserts());
        return done();
    }

    public synchronized Map<String, Held> endpoints() {
        return Map.copyOf(endpoints);
    }

    public synchronized Held endpoint(String name) {
        return endpoints.get(name);
    }

    public synchronized Map<IpPrefix, IpcacheEntry> ipcache() {
        return Map.copyOf(ipcache);
    }

    private static Held held(DatapathEndpoint endpoint, VerdictTable table) {
        Map<VerdictEntry.Key, VerdictEntry> rows = new HashMap<>();
        for (VerdictEntry e : table.entries()) rows.put(e.key(), e);
        return new Held(endpoint, rows, table.enforced(Direction.INGRESS), table.enforced(Direction.EGRESS));
    }

    /** The ipcache's form of an engine prefix. */
    public static IpPrefix prefix(Cidr cidr) {
        return new IpPrefix(cidr.address(), cidr.prefixLength());
    }

    private static CompletableFuture<Void> done() {
        return CompletableFuture.completedFuture(null);
    }
}
