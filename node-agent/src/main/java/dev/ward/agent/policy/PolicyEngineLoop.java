package dev.ward.agent.policy;

import dev.ward.agent.datapath.DatapathEndpoint;
import dev.ward.agent.datapath.DatapathState;
import dev.ward.agent.datapath.InMemoryDatapath;
import dev.ward.agent.datapath.IpcacheDelta;
import dev.ward.agent.datapath.IpcacheEntry;
import dev.ward.agent.datapath.PolicyDatapath;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.compute.VerdictTable;
import dev.ward.policy.identity.Identity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The node's one policy engine on its one thread, and the only caller of the {@link PolicyDatapath}. Every change
 * to the engine (a policy, an identity, an endpoint; the DNS proxy's learned names) runs on this thread, and its
 * delta goes to the datapath from here, so the datapath sees every delta exactly once and in the order the engine
 * made them. Other subsystems submit work with {@link #change} or {@link #call}; the DNS proxy's
 * {@code EnginePolicyHost} takes {@link #executor()} as its engine loop and {@link #toDatapath} as its datapath.
 *
 * <p>It keeps what the datapath was told (the endpoints put, the cluster's ipcache), so it can give the datapath the
 * whole state it should hold: at start, and after a datapath call failed ({@link #reconcile}).
 */
public final class PolicyEngineLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyEngineLoop.class);
    private static final long REPAIR_DELAY_MILLIS = 1000;
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final PolicyEngine engine;
    private final PolicyDatapath datapath;
    private final ScheduledExecutorService loop;
    private final Thread thread;
    private final List<Consumer<EngineDelta>> observers = new CopyOnWriteArrayList<>();
    private final List<DatapathCallListener> callListeners = new CopyOnWriteArrayList<>();
    private final Map<String, DatapathEndpoint> attached = new TreeMap<>();
    private final Map<IpPrefix, IpcacheEntry> clusterIpcache = new HashMap<>();
    private volatile long revision;
    private final List<EndpointTableListener> tableListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Map<IpPrefix, IpcacheEntry>>> ipcacheListeners = new CopyOnWriteArrayList<>();
    private boolean repairScheduled;
    /**
     * Until the first {@link #reconcile}, changes only update the engine and this loop's record: the datapath keeps
     * enforcing what it held (pinned by an earlier agent) until it is given the whole state at once.
     */
    private boolean reconciled;

    public PolicyEngineLoop(PolicyEngine engine, PolicyDatapath datapath) {
        this.engine = engine;
        this.datapath = datapath;
        Thread[] t = new Thread[1];
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            t[0] = Thread.ofPlatform().daemon().name("ward-policy-engine").unstarted(r);
            return t[0];
        });
        // Start the thread now so onLoop() can compare against it from the first call.
        CompletableFuture.runAsync(() -> { }, loop).join();
        this.thread = t[0];
    }

    /** The engine's thread, for work that must run there (the DNS proxy's learner). */
    public Executor executor() {
        return loop;
    }

    /** The engine itself: touch it only on the engine's thread ({@link #executor()}). */
    public PolicyEngine engine() {
        requireLoop();
        return engine;
    }

    public boolean onLoop() {
        return Thread.currentThread() == thread;
    }

    /** Engine deltas handed to the datapath so far: the node's policy revision. */
    public long revision() {
        return revision;
    }

    /**
     * Told when each datapath call this loop makes completes: which kind of call ({@link DatapathCallListener}'s
     * names), how long from the call to the kernel holding it, and the failure if it failed. The agent's
     * datapath-update latency metric.
     */
    public interface DatapathCallListener {
        String DELTA = "delta";
        String ENDPOINT = "endpoint";
        String ENDPOINT_REMOVAL = "endpoint_removal";
        String IPCACHE = "ipcache";
        String RECONCILE = "reconcile";

        void completed(String call, long nanos, Throwable failure);
    }

    public void addCallListener(DatapathCallListener listener) {
        callListeners.add(listener);
    }

    /** Told of every delta the agent's own changes make, on the engine's thread, before the datapath gets it. */
    public void addObserver(Consumer<EngineDelta> observer) {
        observers.add(observer);
    }

    /**
     * Runs {@code change} on the engine's thread, tells the observers, and hands its delta to the datapath; completes
     * when the datapath holds it. Rejected parts (an L7 conflict) are logged, naming {@code what}.
     */
    public CompletableFuture<Void> change(String what, Function<PolicyEngine, EngineDelta> change) {
        return onLoop(() -> {
            EngineDelta d = change.apply(engine);
            if (!d.accepted()) LOG.warn("{}: {}", what, String.join("; ", d.rejected()));
            return deliver(d);
        });
    }

    /** Engine thread: a delta the agent made there goes to the observers, then to the datapath. */
    public CompletableFuture<Void> deliver(EngineDelta delta) {
        requireLoop();
        for (Consumer<EngineDelta> o : observers) o.accept(delta);
        return toDatapath(delta);
    }

    /** Runs {@code work} on the engine's thread (it may call this loop's methods, which then run at once). */
    public <T> CompletableFuture<T> call(Callable<T> work) {
        CompletableFuture<T> out = new CompletableFuture<>();
        Runnable r = () -> {
            try {
                out.complete(work.call());
            } catch (Throwable e) {
                out.completeExceptionally(e);
            }
        };
        if (onLoop()) r.run();
        else submit(r, out);
        return out;
    }

    /**
     * Engine thread: hands a delta made there to the datapath (no observers: whoever made it told its own views).
     * This is the DNS proxy's {@code PolicyDatapath}.
     */
    public CompletableFuture<Void> toDatapath(EngineDelta delta) {
        requireLoop();
        revision++;
        tablesChanged(delta.tables().keySet());
        if (!reconciled) return DONE;
        long started = System.nanoTime();
        return watch(DatapathCallListener.DELTA, started, "engine delta " + revision, datapath.apply(delta));
    }

    /** Attaches or updates a local endpoint with its full table as the engine computes it now. */
    public CompletableFuture<Void> putEndpoint(DatapathEndpoint endpoint) {
        return onLoop(() -> {
            for (EndpointTableListener l : tableListeners) l.table(endpoint, engine.table(endpoint.name()));
            attached.put(endpoint.name(), endpoint);
            if (!reconciled) return DONE;
            long started = System.nanoTime();
            return watch(DatapathCallListener.ENDPOINT, started, "endpoint " + endpoint.name(),
                    datapath.putEndpoint(endpoint, engine.table(endpoint.name())));
        });
    }

    public CompletableFuture<Void> removeEndpoint(String name) {
        return onLoop(() -> {
            if (attached.remove(name) == null || !reconciled) return DONE;
            long started = System.nanoTime();
            return watch(DatapathCallListener.ENDPOINT_REMOVAL, started, "removing endpoint " + name, datapath.removeEndpoint(name));
        });
    }

    public CompletableFuture<Void> applyIpcache(IpcacheDelta delta) {
        return onLoop(() -> {
            if (delta.isEmpty()) return DONE;
            delta.removals().forEach(clusterIpcache::remove);
            clusterIpcache.putAll(delta.upserts());
            if (!ipcacheListeners.isEmpty()) {
                Map<IpPrefix, IpcacheEntry> now = Map.copyOf(clusterIpcache);
                for (Consumer<Map<IpPrefix, IpcacheEntry>> l : ipcacheListeners) l.accept(now);
            }
            if (!reconciled) return DONE;
            long started = System.nanoTime();
            return watch(DatapathCallListener.IPCACHE, started, "ipcache change (" + delta.upserts().size() + " written, "
                    + delta.removals().size() + " removed)", datapath.applyIpcache(delta));
        });
    }

    /**
     * Gives the datapath the whole state it should hold: at start, once the engine knows the store's policies and
     * identities and the registry's endpoints (before, nothing reaches the datapath); after a failed call.
     */
    public CompletableFuture<Void> reconcile() {
        return onLoop(() -> {
            reconciled = true;
            long started = System.nanoTime();
            return watch(DatapathCallListener.RECONCILE, started, "reconcile", datapath.reconcile(desiredState()));
        });
    }

    /**
     * From now on, every {@code interval}, gives the datapath the whole state again, which it compares with what its
     * maps hold and repairs (entries changed or planted behind the agent's back, a failure left failed closed): the
     * periodic full reconcile beside the incremental deltas, as {@code KernelReconciler} does for xfrm. A round is
     * skipped while the previous one is still running.
     */
    public void reconcileEvery(Duration interval) {
        long ms = interval.toMillis();
        CompletableFuture<?>[] last = {DONE};
        loop.scheduleWithFixedDelay(() -> {
            if (!reconciled || !last[0].isDone()) return;
            last[0] = watch(DatapathCallListener.RECONCILE, System.nanoTime(), "periodic reconcile", datapath.reconcile(desiredState()));
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Engine thread: what the datapath should hold now. */
    public DatapathState desiredState() {
        requireLoop();
        Map<String, DatapathState.Endpoint> eps = new LinkedHashMap<>();
        for (DatapathEndpoint e : attached.values()) eps.put(e.name(), new DatapathState.Endpoint(e, engine.table(e.name())));
        Map<IpPrefix, IpcacheEntry> ipcache = new HashMap<>();
        for (Identity id : engine.identities()) {
            if (id.prefix() != null) ipcache.put(InMemoryDatapath.prefix(id.prefix()), new IpcacheEntry(id.id(), null));
        }
        // A pod's address keeps its pod's identity even when a rule's CIDR or a DNS answer names the same address.
        ipcache.putAll(clusterIpcache);
        return new DatapathState(eps, ipcache);
    }

    /**
     * Told on the engine's thread of each local endpoint's table whenever it changes (and of every attached one when
     * added), and of endpoints the engine drops: for the L7 proxy, which judges requests by the tables the datapath
     * enforces.
     */
    public interface EndpointTableListener {
        void table(DatapathEndpoint endpoint, VerdictTable table);

        void removed(String endpoint);
    }

    /**
     * Told on the engine's thread of the cluster's ipcache (every node's pod addresses and their identities) after
     * each change, and once now: for the DNS proxy, which gives the server a pod asks the identity the datapath does.
     */
    public CompletableFuture<Void> addIpcacheListener(Consumer<Map<IpPrefix, IpcacheEntry>> listener) {
        return call(() -> {
            ipcacheListeners.add(listener);
            listener.accept(Map.copyOf(clusterIpcache));
            return null;
        });
    }

    /** Engine thread: the cluster's ipcache as the datapath was told it (pods' addresses, not the engine's CIDRs). */
    public Map<IpPrefix, IpcacheEntry> clusterIpcache() {
        requireLoop();
        return Map.copyOf(clusterIpcache);
    }

    /** Adds {@code listener} and tells it the tables of the endpoints attached now; completes once it has them. */
    public CompletableFuture<Void> addTableListener(EndpointTableListener listener) {
        return call(() -> {
            tableListeners.add(listener);
            for (DatapathEndpoint e : attached.values()) listener.table(e, engine.table(e.name()));
            return null;
        });
    }

    /** Engine thread: the tables a delta touched, or their endpoints' removal from the engine. */
    private void tablesChanged(Iterable<String> endpoints) {
        if (tableListeners.isEmpty()) return;
        java.util.Collection<String> known = engine.endpointNames();
        for (String name : endpoints) {
            DatapathEndpoint e = attached.get(name);
            for (EndpointTableListener l : tableListeners) {
                if (!known.contains(name)) l.removed(name);
                else if (e != null) l.table(e, engine.table(name));
            }
        }
    }

    private CompletableFuture<Void> watch(String kind, long started, String what, CompletableFuture<Void> call) {
        call.whenComplete((v, e) -> {
            long took = System.nanoTime() - started;
            for (DatapathCallListener l : callListeners) l.completed(kind, took, e);
            if (e == null) return;
            LOG.warn("the datapath failed {}: {}; reconciling in {} ms", what, e.getMessage(), REPAIR_DELAY_MILLIS);
            scheduleRepair();
        });
        return call;
    }

    private void scheduleRepair() {
        try {
            loop.execute(() -> {
                if (repairScheduled) return;
                repairScheduled = true;
                loop.schedule(() -> {
                    repairScheduled = false;
                    datapath.reconcile(desiredState()).whenComplete((v, e) -> {
                        if (e != null) LOG.warn("reconciling the datapath failed: {}", e.getMessage());
                    });
                }, REPAIR_DELAY_MILLIS, TimeUnit.MILLISECONDS);
            });
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // the agent is stopping: the next one reconciles at its start
        }
    }

    private <T> CompletableFuture<T> onLoop(Supplier<CompletableFuture<T>> work) {
        if (onLoop()) return work.get();
        CompletableFuture<T> out = new CompletableFuture<>();
        submit(() -> {
            try {
                work.get().whenComplete((v, e) -> {
                    if (e != null) out.completeExceptionally(e);
                    else out.complete(v);
                });
            } catch (Throwable e) {
                out.completeExceptionally(e);
            }
        }, out);
        return out;
    }

    private void submit(Runnable r, CompletableFuture<?> out) {
        try {
            loop.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            out.completeExceptionally(new IllegalStateException("the policy engine loop has stopped"));
        }
    }

    private void requireLoop() {
        if (!onLoop()) throw new IllegalStateException("the policy engine is used off its thread (" + Thread.currentThread().getName() + ")");
    }

    @Override
    public void close() {
        loop.shutdown();
        try {
            if (!loop.awaitTermination(10, TimeUnit.SECONDS)) loop.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            loop.shutdownNow();
        }
    }
}
