package dev.ward.bpf.datapath;

import dev.ward.bpf.load.BpfMap;
import dev.ward.bpf.maps.EndpointValue;
import dev.ward.bpf.maps.IpCacheKey;
import dev.ward.bpf.maps.IpCacheValue;
import dev.ward.bpf.plan.MapWrite;
import dev.ward.bpf.plan.WritePhase;
import dev.ward.bpf.plan.WritePlan;
import dev.ward.bpf.sys.Libbpf;
import dev.ward.netlink.Errno;
import dev.ward.policy.model.Direction;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Writes a plan into the kernel maps, phase after phase, each phase as one batch per map where the kernel
 * batches (per element where it does not). An endpoint whose writes fail is locked at once in the directions
 * the plan touches (its traffic there is dropped: nothing half-written is enforced); its remaining writes
 * are then made under the lock, deletions first, and if they all succeed the lock is lifted. Other endpoints
 * are not held back by it.
 */
final class PlanExecutor {
    private static final int ENOTSUPP = 524;

    private final EndpointTable endpoints;
    private final PolicyMaps policies;
    private final IpCache ipcache;
    private final Function<Direction, Boolean> programRefused;
    private boolean policyBatches = true;
    private boolean ipcacheBatches = true;

    private int writes;
    private int syscalls;

    PlanExecutor(EndpointTable endpoints, PolicyMaps policies, IpCache ipcache, Function<Direction, Boolean> programRefused) {
        this.endpoints = endpoints;
        this.policies = policies;
        this.ipcache = ipcache;
        this.programRefused = programRefused;
    }

    /** The outcome of writing one group of elements to one map. */
    private record Outcome(int failedAt, int errno) {
        static final Outcome DONE = new Outcome(-1, 0);

        boolean failed() {
            return failedAt >= 0;
        }
    }

    /**
     * @param failed endpoints already known to fail (a veth that is gone): their writes are skipped
     * @param unlockOnSuccess endpoints whose locks (other than a refused program's) are lifted when all their
     *                        writes succeed (reconcile repairing an endpoint that failed earlier)
     */
    ApplyResult execute(WritePlan plan, Map<String, EndpointDatapathException> failed, Set<String> unlockOnSuccess) {
        long start = System.nanoTime();
        writes = 0;
        syscalls = 0;
        Map<String, EndpointDatapathException> failures = new LinkedHashMap<>(failed);
        Map<String, List<MapWrite>> deferred = new LinkedHashMap<>();
        Map<String, Set<Direction>> touched = directionsTouched(plan);
        List<IpCacheFullException> ipcacheFailures = new ArrayList<>();
        Set<String> okEndpoints = new HashSet<>();

        for (WritePhase phase : WritePhase.values()) {
            List<MapWrite> ws = plan.phase(phase);
            if (ws.isEmpty()) continue;
            switch (phase) {
                case IPCACHE_UPSERTS, IPCACHE_DELETES -> writeIpCache(ws, ipcacheFailures);
                case ENFORCEMENT -> {
                    for (Map.Entry<String, List<MapWrite>> g : byEndpoint(ws).entrySet()) {
                        String ep = g.getKey();
                        if (failures.containsKey(ep)) {
                            if (deferred.containsKey(ep)) deferred.get(ep).addAll(g.getValue());
                            continue;
                        }
                        EndpointRecord r = endpoints.get(ep);
                        endpoints.put(r.withFlags(withEnforcement(r.flags(), g.getValue())));
                        writes++;
                        syscalls++;
                    }
                }
                default -> {
                    for (Map.Entry<String, List<MapWrite>> g : byEndpoint(ws).entrySet()) {
                        String ep = g.getKey();
                        if (failures.containsKey(ep)) {
                            if (deferred.containsKey(ep)) deferred.get(ep).addAll(g.getValue());
                            continue;
                        }
                        EndpointRecord r = endpoints.get(ep);
                        BpfMap m = policies.get(r.endpointId());
                        Outcome o = writePolicy(m, g.getValue());
                        if (o.failed()) {
                            lock(r, touched.get(ep));
                            failures.put(ep, mapFailure(r, touched.get(ep), o.errno(), plan));
                            deferred.put(ep, new ArrayList<>(g.getValue().subList(o.failedAt(), g.getValue().size())));
                        }
                    }
                }
            }
        }
        Set<String> recovered = new HashSet<>();
        for (Map.Entry<String, List<MapWrite>> e : deferred.entrySet()) {
            if (recoverUnderLock(endpoints.get(e.getKey()), e.getValue())) {
                failures.remove(e.getKey());
                recovered.add(e.getKey());
            }
        }
        for (String ep : unlockOnSuccess) {
            if (!failures.containsKey(ep) && endpoints.get(ep) != null) okEndpoints.add(ep);
        }
        for (String ep : okEndpoints) unlock(endpoints.get(ep));
        return new ApplyResult(writes, syscalls, System.nanoTime() - start, List.copyOf(failures.values()), ipcacheFailures, recovered);
    }

    private static Map<String, Set<Direction>> directionsTouched(WritePlan plan) {
        Map<String, Set<Direction>> out = new LinkedHashMap<>();
        for (MapWrite w : plan.writes()) {
            switch (w) {
                case MapWrite.PolicyUpsert u -> out.computeIfAbsent(u.endpoint(), k -> EnumSet.noneOf(Direction.class)).add(u.key().direction());
                case MapWrite.PolicyDelete d -> out.computeIfAbsent(d.endpoint(), k -> EnumSet.noneOf(Direction.class)).add(d.key().direction());
                case MapWrite.Enforcement f -> out.computeIfAbsent(f.endpoint(), k -> EnumSet.noneOf(Direction.class)).add(f.direction());
                default -> { }
            }
        }
        return out;
    }

    private static Map<String, List<MapWrite>> byEndpoint(List<MapWrite> ws) {
        Map<String, List<MapWrite>> out = new LinkedHashMap<>();
        for (MapWrite w : ws) {
            String ep = switch (w) {
                case MapWrite.PolicyUpsert u -> u.endpoint();
                case MapWrite.PolicyDelete d -> d.endpoint();
                case MapWrite.Enforcement f -> f.endpoint();
                default -> throw new IllegalArgumentException("not an endpoint write: " + w);
            };
            out.computeIfAbsent(ep, k -> new ArrayList<>()).add(w);
        }
        return out;
    }

    private static int withEnforcement(int flags, List<MapWrite> ws) {
        for (MapWrite w : ws) {
            if (w instanceof MapWrite.Enforcement f) {
                int bit = EndpointValue.enforceFlag(f.direction());
                flags = f.enforced() ? flags | bit : flags & ~bit;
            }
        }
        return flags;
    }

    private void lock(EndpointRecord r, Set<Direction> dirs) {
        int flags = r.flags();
        for (Direction d : dirs) flags |= EndpointValue.lockFlag(d);
        endpoints.put(r.withFlags(flags));
        syscalls++;
    }

    /** Lifts the locks of {@code r}, except where its program was refused (that direction stays closed). */
    private void unlock(EndpointRecord r) {
        int flags = r.flags();
        for (Direction d : Direction.values()) if (!programRefused.apply(d)) flags &= ~EndpointValue.lockFlag(d);
        if (flags != r.flags()) {
            endpoints.put(r.withFlags(flags));
            syscalls++;
        }
    }

    private EndpointDatapathException mapFailure(EndpointRecord r, Set<Direction> dirs, int errno, WritePlan plan) {
        if (errno == Errno.ENOSPC || errno == 7 /* E2BIG */) {
            int upserts = 0;
            int deletes = 0;
            for (MapWrite w : plan.writes()) {
                if (w instanceof MapWrite.PolicyUpsert u && u.endpoint().equals(r.name())) upserts++;
                if (w instanceof MapWrite.PolicyDelete d && d.endpoint().equals(r.name())) deletes++;
            }
            int held = policies.read(r.endpointId()).size();
            return new PolicyMapFullException(r.name(), dirs, policies.capacity(), Math.max(held + 1, held + upserts - deletes),
                    Errno.describe(errno));
        }
        return new EndpointDatapathException(r.name(), dirs, "writing its policy map failed: " + Errno.describe(errno), null);
    }

    /**
     * Under the lock the order no longer matters to packets (they are all dropped), so deletions go first and
     * make room. True if every remaining write succeeded and the lock is lifted.
     */
    private boolean recoverUnderLock(EndpointRecord r, List<MapWrite> rest) {
        BpfMap m = policies.get(r.endpointId());
        List<MapWrite> deletes = new ArrayList<>();
        List<MapWrite> upserts = new ArrayList<>();
        List<MapWrite> flags = new ArrayList<>();
        for (MapWrite w : rest) {
            if (w instanceof MapWrite.PolicyDelete) deletes.add(w);
            else if (w instanceof MapWrite.PolicyUpsert) upserts.add(w);
            else flags.add(w);
        }
        if (writePolicy(m, deletes).failed() || writePolicy(m, upserts).failed()) return false;
        EndpointRecord now = endpoints.get(r.name());
        endpoints.put(now.withFlags(withEnforcement(now.flags(), flags)));
        unlock(endpoints.get(r.name()));
        return true;
    }

    /** One group of upserts or deletes to one map. */
    private Outcome writePolicy(BpfMap m, List<MapWrite> ws) {
        if (ws.isEmpty()) return Outcome.DONE;
        boolean upserts = ws.getFirst() instanceof MapWrite.PolicyUpsert;
        List<byte[]> keys = new ArrayList<>(ws.size());
        List<byte[]> values = upserts ? new ArrayList<>(ws.size()) : null;
        for (MapWrite w : ws) {
            if (w instanceof MapWrite.PolicyUpsert u) {
                keys.add(u.key().encode());
                values.add(u.value().encode());
            } else {
                keys.add(((MapWrite.PolicyDelete) w).key().encode());
            }
        }
        if (policyBatches) {
            Outcome o = upserts ? batchUpdate(m, keys, values) : batchDelete(m, keys);
            if (o != null) return o;
            policyBatches = false;
        }
        return upserts ? singleUpdates(m, keys, values, 0) : singleDeletes(m, keys, 0);
    }

    private void writeIpCache(List<MapWrite> ws, List<IpCacheFullException> failures) {
        BpfMap m = ipcache.map();
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        boolean upserts = ws.getFirst() instanceof MapWrite.IpCacheUpsert;
        for (MapWrite w : ws) {
            if (w instanceof MapWrite.IpCacheUpsert u) {
                keys.add(IpCacheKey.encode(u.prefix()));
                values.add(IpCacheValue.encode(u.identity()));
            } else {
                keys.add(IpCacheKey.encode(((MapWrite.IpCacheDelete) w).prefix()));
            }
        }
        int from = 0;
        while (from < keys.size()) {
            Outcome o = null;
            List<byte[]> k = keys.subList(from, keys.size());
            if (ipcacheBatches) {
                o = upserts ? batchUpdate(m, k, values.subList(from, values.size())) : batchDelete(m, k);
                if (o == null) ipcacheBatches = false;
            }
            if (o == null) o = upserts ? singleUpdates(m, k, values.subList(from, values.size()), 0) : singleDeletes(m, k, 0);
            int end = o.failed() ? from + o.failedAt() : keys.size();
            for (int i = from; i < end; i++) note(ws.get(i));
            if (!o.failed()) break;
            MapWrite.IpCacheUpsert bad = (MapWrite.IpCacheUpsert) ws.get(end);
            failures.add(new IpCacheFullException(bad.prefix(), o.errno(), m.info().maxEntries()));
            from = end + 1;
        }
    }

    private void note(MapWrite w) {
        if (w instanceof MapWrite.IpCacheUpsert u) ipcache.noteWritten(u.prefix(), u.identity());
        else if (w instanceof MapWrite.IpCacheDelete d) ipcache.noteRemoved(d.prefix());
    }

    /** Null when the kernel does not batch this map type (nothing was written then). */
    private Outcome batchUpdate(BpfMap m, List<byte[]> keys, List<byte[]> values) {
        Libbpf.BatchOutcome b = m.updateBatch(keys, values);
        syscalls++;
        if (b.errno() == 0) {
            writes += keys.size();
            return Outcome.DONE;
        }
        if (b.done() == 0 && unsupported(b.errno())) return null;
        writes += b.done();
        return new Outcome(b.done(), b.errno());
    }

    /** Deleting a key that is not there is not a failure: the batch resumes after it. */
    private Outcome batchDelete(BpfMap m, List<byte[]> keys) {
        int from = 0;
        while (from < keys.size()) {
            Libbpf.BatchOutcome b = m.deleteBatch(keys.subList(from, keys.size()));
            syscalls++;
            if (b.errno() == 0) {
                writes += keys.size() - from;
                return Outcome.DONE;
            }
            if (from == 0 && b.done() == 0 && unsupported(b.errno())) return null;
            writes += b.done();
            if (b.errno() != Errno.ENOENT) return new Outcome(from + b.done(), b.errno());
            from += b.done() + 1;
        }
        return Outcome.DONE;
    }

    private static boolean unsupported(int errno) {
        return errno == Errno.EINVAL || errno == Errno.EOPNOTSUPP || errno == ENOTSUPP;
    }

    private Outcome singleUpdates(BpfMap m, List<byte[]> keys, List<byte[]> values, int from) {
        for (int i = from; i < keys.size(); i++) {
            int errno = m.tryUpdate(keys.get(i), values.get(i), Libbpf.BPF_ANY);
            syscalls++;
            if (errno != 0) return new Outcome(i, errno);
            writes++;
        }
        return Outcome.DONE;
    }

    private Outcome singleDeletes(BpfMap m, List<byte[]> keys, int from) {
        for (int i = from; i < keys.size(); i++) {
            int errno = m.tryDelete(keys.get(i));
            syscalls++;
            if (errno != 0 && errno != Errno.ENOENT) return new Outcome(i, errno);
            writes++;
        }
        return Outcome.DONE;
    }
}
