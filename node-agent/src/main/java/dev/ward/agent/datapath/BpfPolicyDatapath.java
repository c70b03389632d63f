package dev.ward.agent.datapath;

import dev.ward.bpf.datapath.ApplyResult;
import dev.ward.bpf.datapath.Datapath;
import dev.ward.bpf.datapath.DatapathConfig;
import dev.ward.bpf.datapath.EndpointDatapathException;
import dev.ward.bpf.datapath.EndpointRecord;
import dev.ward.bpf.datapath.ReconcileReport;
import dev.ward.bpf.load.VerifierRejectedException;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.VerdictTable;
import dev.ward.policy.model.Direction;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The agent's {@link PolicyDatapath} on the BPF datapath: every call of the engine loop becomes the bpf module's
 * writes on the {@link KernelDatapath}'s one thread, so they reach the kernel in call order and each future completes
 * when the maps hold its change. A failure the kernel reports (a full policy map, a refused program, a veth that is
 * gone) has left the endpoint failed closed in the affected direction; it is counted in {@link DatapathMetrics},
 * logged naming the endpoint, and fails the call with a {@link DatapathException} carrying the same message, which
 * makes the engine loop reconcile again shortly.
 *
 * <p>{@link #reconcile} is the periodic full read as well as the first one: the maps are read back, compared with
 * what the agent computes and repaired in the safe order (no moment of open policy); after the first, any write it
 * needed is drift, logged as such.
 */
public final class BpfPolicyDatapath implements PolicyDatapath {
    private static final Logger LOG = LoggerFactory.getLogger(BpfPolicyDatapath.class);

    private final KernelDatapath kernel;
    private final DatapathMetrics metrics;
    private final EndpointFailures failures = new EndpointFailures();
    /** The endpoints map as last read on the datapath's thread, for the metrics (read at scrape time). */
    private volatile List<EndpointRecord> endpoints = List.of();
    private long reconciles;

    BpfPolicyDatapath(KernelDatapath kernel, PrometheusRegistry registry, Map<Direction, VerifierRejectedException> refusals) {
        this.kernel = kernel;
        this.metrics = new DatapathMetrics(registry, () -> endpoints, refusals.keySet());
    }

    /**
     * Opens the BPF datapath for the node whose pods' veths are in {@code netns} (null: the agent's own), pinned under
     * {@code pinRoot}, and the adapter over it. What an earlier agent pinned keeps enforcing until the first
     * {@link #reconcile}. Problems opening found (a refused program, an endpoint whose veth went while no agent ran)
     * are logged and counted; the endpoints they touch stay failed closed.
     */
    public static BpfPolicyDatapath open(KernelDatapath kernel, PrometheusRegistry registry) {
        Map<Direction, VerifierRejectedException> refusals = kernel.call(Datapath::refusals).join();
        BpfPolicyDatapath adapter = new BpfPolicyDatapath(kernel, registry, refusals);
        refusals.forEach((d, e) -> LOG.error("the verifier refused the {} program; every endpoint's {} traffic is dropped until an agent"
                + " whose program loads runs: {}\n{}", d.lower(), d.lower(), e.getMessage(), e.verifierLog()));
        kernel.call(dp -> {
            for (EndpointDatapathException e : dp.openProblems()) adapter.failed(e, "opening the datapath");
            adapter.snapshot(dp);
            return null;
        }).join();
        return adapter;
    }

    /**
     * The datapath configuration the agent runs: the bundled programs, sizes of module bpf, redirects to the ports in
     * {@code proxies} with the routing that delivers them to the local proxies.
     */
    public static DatapathConfig config(java.nio.file.Path pinRoot, String netns, ProxyPortTable proxies) {
        return DatapathConfig.at(pinRoot).inNetns(netns).withProxyPorts(proxies);
    }

    public KernelDatapath kernel() {
        return kernel;
    }

    /** Why endpoints were failed closed, for the node's datapath report. */
    public EndpointFailures failures() {
        return failures;
    }

    @Override
    public CompletableFuture<Void> reconcile(DatapathState desired) {
        return kernel.call(dp -> {
            reconcileNow(dp, desired);
            return null;
        });
    }

    private void reconcileNow(Datapath dp, DatapathState desired) {
        long round = ++reconciles;
        Map<String, VerdictTable> inPlace = new HashMap<>();
        List<DatapathState.Endpoint> toAttach = new ArrayList<>();
        for (DatapathState.Endpoint e : desired.endpoints().values()) {
            EndpointRecord r = dp.endpoint(e.endpoint().name());
            if (r != null && sameAttachment(r, e.endpoint())) inPlace.put(e.endpoint().name(), e.table());
            else toAttach.add(e);
        }
        Map<IpPrefix, Integer> ipcache = new HashMap<>();
        desired.ipcache().forEach((p, entry) -> ipcache.put(p, entry.identity()));
        List<RuntimeException> failures = new ArrayList<>();
        int changes;
        try {
            // Rows of attached endpoints and the ipcache first, in the write order that keeps every lookup on its old
            // or new verdict; endpoints then attach with addresses their rows name already in the ipcache.
            ReconcileReport report = dp.reconcile(inPlace, ipcache);
            failures.addAll(report.result().failures());
            failures.addAll(report.result().ipcacheFailures());
            changes = report.result().writes();
            for (DatapathState.Endpoint e : toAttach) {
                try {
                    attachNow(dp, e.endpoint(), e.table());
                    changes++;
                } catch (RuntimeException ex) {
                    failures.add(ex);
                }
            }
            Set<String> wanted = new HashSet<>(desired.endpoints().keySet());
            for (EndpointRecord r : dp.endpoints()) {
                if (wanted.contains(r.name())) continue;
                LOG.info("endpoint {} on veth {} is in the datapath but not the agent's: detaching it", r.name(), r.veth());
                dp.detach(r.name());
                changes++;
            }
        } finally {
            snapshot(dp);
        }
        for (RuntimeException f : failures) failed(f, "reconciling");
        if (!failures.isEmpty()) {
            metrics.reconciled("failed");
            throw new DatapathException("reconcile left " + failures.size() + " failure(s) failed closed: "
                    + String.join("; ", failures.stream().map(Throwable::getMessage).toList()), failures.getFirst());
        }
        metrics.reconciled(changes == 0 ? "in-sync" : "repaired");
        if (round == 1) {
            LOG.info("datapath reconciled at start: {} endpoints, {} ipcache prefixes, {} writes (attached {}, kept {})",
                    desired.endpoints().size(), ipcache.size(), changes, toAttach.size(), inPlace.size());
        } else if (changes > 0) {
            LOG.warn("the datapath's maps differed from the agent's state (changed behind its back, or a failure repaired): {} writes"
                    + " made them match", changes);
        }
    }

    private static boolean sameAttachment(EndpointRecord r, DatapathEndpoint e) {
        return r.veth().equals(e.veth()) && r.ifindex() == e.vethIfindex() && r.identity() == e.identity();
    }

    @Override
    public CompletableFuture<Void> apply(EngineDelta delta) {
        return kernel.call(dp -> {
            ApplyResult r = dp.apply(delta);
            if (!r.recoveredUnderLock().isEmpty()) {
                LOG.info("endpoints {} took a change that only fitted after its deletions, written while their traffic was dropped",
                        r.recoveredUnderLock());
            }
            if (r.ok()) return null;
            snapshot(dp);
            List<RuntimeException> all = new ArrayList<>(r.failures());
            all.addAll(r.ipcacheFailures());
            for (RuntimeException f : all) failed(f, "applying an engine change");
            throw new DatapathException(String.join("; ", all.stream().map(Throwable::getMessage).toList()), all.getFirst());
        });
    }

    @Override
    public CompletableFuture<Void> putEndpoint(DatapathEndpoint endpoint, VerdictTable table) {
        return kernel.call(dp -> {
            try {
                attachNow(dp, endpoint, table);
                return null;
            } catch (RuntimeException e) {
                throw failed(e, "attaching");
            } finally {
                snapshot(dp);
            }
        });
    }

    /**
     * Attaches with the full table; the veth must still be the one the CNI plugin saw (a veth of the same name with
     * another ifindex is another pod's, or a replacement: nothing is left on it).
     */
    private static void attachNow(Datapath dp, DatapathEndpoint endpoint, VerdictTable table) {
        EndpointRecord r = dp.attach(endpoint.name(), endpoint.veth(), endpoint.identity(), table);
        if (r.ifindex() != endpoint.vethIfindex()) {
            dp.detach(endpoint.name());
            throw new EndpointDatapathException(endpoint.name(), Set.of(), "veth " + endpoint.veth() + " has ifindex " + r.ifindex()
                    + ", not " + endpoint.vethIfindex() + " as when the pod was registered (the veth was replaced)", null);
        }
    }

    @Override
    public CompletableFuture<Void> removeEndpoint(String name) {
        return kernel.call(dp -> {
            dp.detach(name);
            snapshot(dp);
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> applyIpcache(IpcacheDelta delta) {
        return kernel.call(dp -> {
            try {
                delta.upserts().forEach((p, e) -> dp.ipcache().upsert(p, e.identity()));
                delta.removals().forEach(dp.ipcache()::remove);
                return null;
            } catch (RuntimeException e) {
                throw failed(e, "writing the ipcache");
            }
        });
    }

    /** Counts and logs a failure; the exception to fail the call with, naming the endpoint as the kernel's did. */
    private DatapathException failed(RuntimeException e, String doing) {
        String reason = metrics.failed(e);
        if (e instanceof EndpointDatapathException endpoint) failures.failed(endpoint, reason);
        LOG.error("datapath {} ({}): {}", doing, reason, e.getMessage());
        return e instanceof DatapathException d ? d : new DatapathException(e.getMessage(), e);
    }

    private void snapshot(Datapath dp) {
        try {
            endpoints = dp.endpoints();
            Set<String> locked = new HashSet<>();
            for (EndpointRecord r : endpoints) for (Direction d : Direction.values()) if (r.locked(d)) locked.add(r.name());
            failures.keepOnly(locked);
        } catch (RuntimeException e) {
            LOG.warn("cannot read the endpoints map back: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        kernel.close();
    }
}
