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

    /** One direction of one endpoint: the unit that fails closed. */
    private record Target(String endpoint, Direction direction) {}

    /**
     * @param failed endpoints already known to fail (a veth that is gone): their writes are skipped
     * @param unlockOnSuccess endpoints whose locks (other than a refused program's) are lifted in every direction
     *                        whose writes all succeed (attach, and reconcile repairing an endpoint that failed)
     */
    ApplyResult execute(WritePlan plan, Map<String, EndpointDatapathException> failed, Set<String> unlockOnSuccess) {
        long start = System.nanoTime();
        writes = 0;
        syscalls = 0;
        Map<Target, Integer> failedErrno = new LinkedHashMap<>();
        Map<Target, List<MapWrite>> deferred = new LinkedHashMap<>();
        List<IpCacheFullException> ipcacheFailures = new ArrayList<>();

        for (WritePhase phase : WritePhase.values()) {
            List<MapWrite> ws = plan.phase(phase);
            if (ws.isEmpty()) continue;
            if (phase == WritePhase.IPCACHE_UPSERTS || phase == WritePhase.IPCACHE_DELETES) {
                writeIpCache(ws, ipcacheFailures);
                continue;
            }
            for (Map.Entry<Target, List<MapWrite>> g : byTarget(ws).entrySet()) {
                Target t = g.getKey();
                if (failed.containsKey(t.endpoint())) continue;
                if (deferred.containsKey(t)) {
                    deferred.get(t).addAll(g.getValue());
                    continue;
                }
                EndpointRecord r = endpoints.get(t.endpoint());
                if (phase == WritePhase.ENFORCEMENT) {
                    endpoints.put(r.withFlags(withEnforcement(r.flags(), g.getValue())));
                    writes++;
                    syscalls++;
                    continue;
                }
                Outcome o = writePolicy(policies.get(r.endpointId()), g.getValue());
                if (o.failed()) {
                    lock(r, t.direction());
                    failedErrno.put(t, o.errno());
                    deferred.put(t, new ArrayList<>(g.getValue().subList(o.failedAt(), g.getValue().size())));
                }
            }
        }
        Map<String, EndpointDatapathException> failures = new LinkedHashMap<>(failed);
        Set<String> recovered = new HashSet<>();
        Map<String, Set<Direction>> stillLocked = new LinkedHashMap<>();
        Map<String, Integer> errnoOf = new LinkedHashMap<>();
        Map<String, Integer> unwrittenOf = new LinkedHashMap<>();
        for (Map.Entry<Target, List<MapWrite>> e : deferred.entrySet()) {
            Target t = e.getKey();
            int unwritten = recoverUnderLock(endpoints.get(t.endpoint()), t.direction(), e.getValue());
            if (unwritten == 0) {
                recovered.add(t.endpoint());
            } else {
                stillLocked.computeIfAbsent(t.endpoint(), k -> EnumSet.noneOf(Direction.class)).add(t.direction());
                errnoOf.putIfAbsent(t.endpoint(), failedErrno.get(t));
                unwrittenOf.merge(t.endpoint(), unwritten, Integer::sum);
            }
        }
        for (Map.Entry<String, Set<Direction>> e : stillLocked.entrySet()) {
            failures.put(e.getKey(), mapFailure(endpoints.get(e.getKey()), e.getValue(), errnoOf.get(e.getKey()), unwrittenOf.get(e.getKey())));
            recovered.remove(e.getKey());
        }
        for (String ep : unlockOnSuccess) {
            EndpointRecord r = endpoints.get(ep);
            if (r == null || failed.containsKey(ep)) continue;
            unlock(r, stillLocked.getOrDefault(ep, Set.of()));
        }
        return new ApplyResult(writes, syscalls, System.nanoTime() - start, List.copyOf(failures.values()), ipcacheFailures, recovered);
    }

    private static Map<Target, List<MapWrite>> byTarget(List<MapWrite> ws) {
        Map<Target, List<MapWrite>> out = new LinkedHashMap<>();
        for (MapWrite w : ws) {
            Target t = switch (w) {
                case MapWrite.PolicyUpsert u -> new Target(u.endpoint(), u.key().direction());
                case MapWrite.PolicyDelete d -> new Target(d.endpoint(), d.key().direction());
                case MapWrite.Enforcement f -> new Target(f.endpoint(), f.direction());
                default -> throw new IllegalArgumentException("not an endpoint write: " + w);
            };
            out.computeIfAbsent(t, k -> new ArrayList<>()).add(w);
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

    private void lock(EndpointRecord r, Direction d) {
        endpoints.put(r.withFlags(r.flags() | EndpointValue.lockFlag(d)));
        syscalls++;
    }

    /**
     * Lifts the locks of {@code r} except in {@code keep} and where its program was refused (that direction
     * stays closed for good).
     */
    private void unlock(EndpointRecord r, Set<Direction> keep) {
        int flags = r.flags();
        for (Direction d : Direction.values()) {
            if (!programRefused.apply(d) && !keep.contains(d)) flags &= ~EndpointValue.lockFlag(d);
        }
        if (flags != r.flags()) {
            endpoints.put(r.withFlags(flags));
            syscalls++;
        }
    }

    /** {@code unwritten}: the entries still missing once the map had room for nothing more. */
    private EndpointDatapathException mapFailure(EndpointRecord r, Set<Direction> dirs, int errno, int unwritten) {
        if (errno == Errno.ENOSPC || errno == 7 /* E2BIG */) {
            int held = policies.read(r.endpointId()).size();
            return new PolicyMapFullException(r.name(), dirs, policies.capacity(), held + unwritten, Errno.describe(errno));
        }
        return new EndpointDatapathException(r.name(), dirs, "writing its policy map failed: " + Errno.describe(errno), null);
    }

    /**
     * Under the lock the order no longer matters to packets (they are all dropped), so deletions go first and
     * make room. Returns how many writes could not be made (0: all were, and the lock is lifted).
     */
    private int recoverUnderLock(EndpointRecord r, Direction d, List<MapWrite> rest) {
        BpfMap m = policies.get(r.endpointId());
        List<MapWrite> deletes = new ArrayList<>();
        List<MapWrite> upserts = new ArrayList<>();
        List<MapWrite> flags = new ArrayList<>();
        for (MapWrite w : rest) {
            if (w instanceof MapWrite.PolicyDelete) deletes.add(w);
            else if (w instanceof MapWrite.PolicyUpsert) upserts.add(w);
            else flags.add(w);
        }
        Outcome o = writePolicy(m, deletes);
        if (o.failed()) return deletes.size() - o.failedAt() + upserts.size();
        o = writePolicy(m, upserts);
        if (o.failed()) return upserts.size() - o.failedAt();
        EndpointRecord now = endpoints.get(r.name());
        int f = withEnforcement(now.flags(), flags);
        if (!programRefused.apply(d)) f &= ~EndpointValue.lockFlag(d);
        endpoints.put(now.withFlags(f));
        syscalls++;
        return 0;
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
