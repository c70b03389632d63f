package dev.ward.agent.endpoints;

import dev.ward.agent.ipcache.ClusterIpcache;
import dev.ward.agent.ipcache.NodeEndpoints;
import dev.ward.agent.policy.PolicyEngineLoop;
import dev.ward.agentapi.ApiError;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.EndpointState;
import dev.ward.agentapi.IpConfig;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.identity.ClusterIdentityAllocator;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.label.LabelSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The node's endpoints through their life: registered by a CNI ADD (checked against the node's links, labelled,
 * persisted), given the identity of their labels by the cluster's allocator, put into the policy engine and the
 * datapath on the engine's loop, published to the store, relabelled when their Pod's labels change, and removed by
 * a CNI DEL. Operations on one attachment are serialized; different attachments proceed independently.
 *
 * <p>Order on the engine's loop, so that no packet meets a half-made endpoint: for a new endpoint its identity, its
 * addresses in the ipcache, its table in the engine, then the datapath attaches it with its full table (its traffic
 * is dropped until then); for a removed one the datapath detaches it first, then the engine forgets it.
 */
public final class EndpointManager {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointManager.class);

    /**
     * @param podWait       how long an ADD waits for its Pod to appear (Kubernetes: the informer may lag the kubelet)
     * @param datapathWait  how long programming may take before the endpoint counts as failed
     */
    public record Settings(Duration podWait, Duration datapathWait) {
        public static final Settings DEFAULT = new Settings(Duration.ofSeconds(10), Duration.ofSeconds(30));
    }

    private final String node;
    private final EndpointRegistry registry;
    private final PolicyEngineLoop loop;
    private final ClusterIdentityAllocator allocator;
    private final PodLabelSource labels;
    private final VethLookup veths;
    private final ClusterIpcache ipcache;
    private final Settings settings;
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final Map<String, Identity> held = new ConcurrentHashMap<>();
    private final List<Runnable> changed = new java.util.concurrent.CopyOnWriteArrayList<>();

    public EndpointManager(String node, EndpointRegistry registry, PolicyEngineLoop loop, ClusterIdentityAllocator allocator,
                           PodLabelSource labels, VethLookup veths, ClusterIpcache ipcache, Settings settings) {
        this.node = node;
        this.registry = registry;
        this.loop = loop;
        this.allocator = allocator;
        this.labels = labels;
        this.veths = veths;
        this.ipcache = ipcache;
        this.settings = settings;
        labels.listen(this::relabelled);
    }

    /** Adds {@code r}, called after every change to the set of ready endpoints (the store publisher, the DNS proxy). */
    public void onChange(Runnable r) {
        changed.add(r);
    }

    public List<Endpoint> list() {
        return registry.all();
    }

    /** This node's record for the store: its ready endpoints. */
    public NodeEndpoints published() {
        List<NodeEndpoints.Published> out = new ArrayList<>();
        for (Endpoint e : registry.all()) {
            if (e.state() != EndpointState.READY || e.identity() == 0) continue;
            out.add(new NodeEndpoints.Published(e.name(), e.addresses().stream().map(IpPrefix::toString).toList(), e.identity()));
        }
        return new NodeEndpoints(node, out);
    }

    // ---- CNI ADD ------------------------------------------------------------------------------------------

    /**
     * Registers the attachment (persisted before this returns), replacing a stale endpoint of the same pod or the
     * same addresses. Throws, naming the pod and the reason, when the veth is not the node's, an address is another
     * live endpoint's, or (Kubernetes) the Pod is unknown.
     */
    public Endpoint register(ApiRequest.AddEndpoint r) throws EndpointException {
        String namespace = r.podNamespace() == null || r.podNamespace().isBlank() ? "default" : r.podNamespace();
        String pod = r.podName() == null || r.podName().isBlank() ? r.containerId() : r.podName();
        String name = namespace + "/" + pod;
        String who = "pod " + name + " (container " + r.containerId() + ")";
        List<IpPrefix> addresses = addresses(r.ips(), who);
        String problem = veths.problem(r.veth(), r.vethIfindex());
        if (problem != null) throw new EndpointException(ApiError.VETH_NOT_FOUND, who + ": " + problem);
        String attachment = Endpoint.attachment(r.containerId(), r.ifname());
        ReentrantLock lock = lock(attachment);
        lock.lock();
        try {
            Optional<Endpoint> sameName = registry.byName(name);
            if (sameName.isPresent() && !sameName.get().attachment().equals(attachment)) {
                LOG.info("{}: replaces endpoint {} of the pod's earlier sandbox {}", who, name, sameName.get().containerId());
                remove(sameName.get().containerId(), sameName.get().ifname());
            }
            for (IpPrefix a : addresses) {
                Optional<Endpoint> other = registry.holding(a, attachment);
                if (other.isEmpty()) continue;
                if (veths.problem(other.get().veth(), other.get().vethIfindex()) == null) {
                    throw new EndpointException(ApiError.ADDRESS_CONFLICT, who + ": address " + a.address().getHostAddress()
                            + " belongs to endpoint " + other.get().name() + " on veth " + other.get().veth());
                }
                LOG.info("{}: endpoint {} held {} but its veth {} is gone; removing it", who, other.get().name(), a, other.get().veth());
                remove(other.get().containerId(), other.get().ifname());
            }
            LabelSet workload = labels.labels(namespace, pod, r.labels(), settings.podWait()).orElseThrow(() -> new EndpointException(
                    ApiError.POD_UNKNOWN, who + ": the agent does not know Pod " + name + " on node " + node + " after "
                    + settings.podWait().toSeconds() + " s (is the Pod scheduled here, and can the agent watch Pods?)"));
            Endpoint e = new Endpoint(name, namespace, pod, r.containerId(), r.ifname(), r.netns(), addresses, r.veth(), r.vethIfindex(),
                    workload, registry.get(attachment).map(Endpoint::identity).orElse(0), EndpointState.REGISTERING, "waiting for its identity and datapath");
            registry.put(e);
            return e;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives the registered attachment the identity of its labels and programs it; completes with the ready endpoint
     * once the datapath enforces its full table, or exceptionally with an {@link EndpointException} (the endpoint
     * is then marked failed and stays default-deny).
     */
    public CompletableFuture<Endpoint> program(String attachment) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return programNow(attachment);
            } catch (EndpointException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, r -> Thread.ofVirtual().name("ward-endpoint-program").start(r));
    }

    private Endpoint programNow(String attachment) throws EndpointException {
        ReentrantLock lock = lock(attachment);
        lock.lock();
        try {
            Endpoint e = registry.get(attachment).orElseThrow(() -> new EndpointException(ApiError.NOT_FOUND, "no endpoint " + attachment));
            String who = "pod " + e.name() + " (container " + e.containerId() + ")";
            Identity identity;
            try {
                identity = allocator.acquire(e.labels());
            } catch (RuntimeException ex) {
                registry.put(e.withState(EndpointState.FAILED, "identity allocation failed: " + ex.getMessage()));
                throw new EndpointException(ApiError.IDENTITY_UNAVAILABLE, who + ": cannot allocate the identity of its labels in the cluster's store: "
                        + ex.getMessage(), ex);
            }
            Identity before = held.put(attachment, identity);
            Endpoint withId = e.withIdentity(identity.id());
            registry.put(withId);
            try {
                loop.call(() -> enter(withId, identity)).thenCompose(f -> f).get(settings.datapathWait().toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException | InterruptedException ex) {
                if (ex instanceof InterruptedException) Thread.currentThread().interrupt();
                Throwable cause = ex instanceof ExecutionException ? ex.getCause() : ex;
                String reason = ex instanceof TimeoutException ? "the datapath did not confirm within " + settings.datapathWait().toSeconds() + " s"
                        : "the datapath refused it: " + cause.getMessage();
                registry.put(withId.withState(EndpointState.FAILED, reason));
                if (before != null && before.id() != identity.id()) release(before);
                throw new EndpointException(ApiError.DATAPATH_FAILED, who + ": " + reason + "; its traffic stays dropped", cause);
            }
            Endpoint ready = withId.withState(EndpointState.READY, null);
            registry.put(ready);
            if (before != null) release(before);
            changed.forEach(Runnable::run);
            LOG.info("endpoint {} ready: identity {}, {} on {} (ifindex {})", ready.name(), identity, ready.addresses(), ready.veth(), ready.vethIfindex());
            return ready;
        } finally {
            lock.unlock();
        }
    }

    /** Engine thread: the endpoint's identity, addresses, table and datapath attachment, in that order. */
    private CompletableFuture<Void> enter(Endpoint e, Identity identity) {
        PolicyEngine engine = loop.engine();
        List<CompletableFuture<Void>> steps = new ArrayList<>();
        if (!IdentityNumbers.isReserved(identity.id()) && !identity.equals(engine.identity(identity.id()))) {
            steps.add(loop.deliver(engine.upsertIdentity(identity)));
        }
        steps.add(loop.applyIpcache(ipcache.localEndpoint(e.name(), e.addresses(), identity.id())));
        steps.add(loop.deliver(engine.upsertEndpoint(new LocalEndpoint(e.name(), identity))));
        steps.add(loop.putEndpoint(e.datapath()));
        return CompletableFuture.allOf(steps.toArray(CompletableFuture[]::new));
    }

    // ---- CNI DEL ------------------------------------------------------------------------------------------

    /** Removes the attachment's endpoint from the datapath, the engine, the registry and the store; empty if unknown. */
    public Optional<Endpoint> delete(String containerId, String ifname) throws EndpointException {
        String attachment = Endpoint.attachment(containerId, ifname);
        ReentrantLock lock = lock(attachment);
        lock.lock();
        try {
            return remove(containerId, ifname);
        } finally {
            lock.unlock();
            if (!lock.hasQueuedThreads()) locks.remove(attachment, lock);
        }
    }

    private Optional<Endpoint> remove(String containerId, String ifname) throws EndpointException {
        String attachment = Endpoint.attachment(containerId, ifname);
        Optional<Endpoint> found = registry.get(attachment);
        if (found.isEmpty()) return found;
        Endpoint e = found.get();
        try {
            loop.call(() -> leave(e)).thenCompose(f -> f).get(settings.datapathWait().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException | InterruptedException ex) {
            if (ex instanceof InterruptedException) Thread.currentThread().interrupt();
            Throwable cause = ex instanceof ExecutionException ? ex.getCause() : ex;
            throw new EndpointException(ApiError.DATAPATH_FAILED, "pod " + e.name() + " (container " + containerId
                    + "): the datapath did not detach it: " + (cause.getMessage() == null ? cause.toString() : cause.getMessage()), cause);
        }
        registry.remove(attachment);
        Identity id = held.remove(attachment);
        if (id != null) release(id);
        changed.forEach(Runnable::run);
        LOG.info("endpoint {} removed (container {}, veth {})", e.name(), containerId, e.veth());
        return found;
    }

    /** Engine thread: off the datapath first (no packet meets a half-removed endpoint), then out of the engine. */
    private CompletableFuture<Void> leave(Endpoint e) {
        PolicyEngine engine = loop.engine();
        List<CompletableFuture<Void>> steps = new ArrayList<>();
        steps.add(loop.removeEndpoint(e.name()));
        steps.add(loop.deliver(engine.removeEndpoint(e.name())));
        steps.add(loop.applyIpcache(ipcache.localEndpointGone(e.name())));
        return CompletableFuture.allOf(steps.toArray(CompletableFuture[]::new));
    }

    // ---- CNI CHECK ----------------------------------------------------------------------------------------

    /** The attachment's endpoint if it is ready on {@code veth} with {@code ips}; otherwise what differs. */
    public Endpoint check(ApiRequest.CheckEndpoint r) throws EndpointException {
        String attachment = Endpoint.attachment(r.containerId(), r.ifname());
        Endpoint e = registry.get(attachment).orElseThrow(() -> new EndpointException(ApiError.NOT_FOUND,
                "container " + r.containerId() + " interface " + r.ifname() + " is not an endpoint of node " + node));
        String who = "pod " + e.name() + " (container " + e.containerId() + ")";
        if (e.state() != EndpointState.READY) {
            throw new EndpointException(ApiError.MISMATCH, who + " is " + e.state().wire() + (e.stateReason() == null ? "" : ": " + e.stateReason()));
        }
        if (r.veth() != null && !r.veth().equals(e.veth())) {
            throw new EndpointException(ApiError.MISMATCH, who + " is on veth " + e.veth() + ", not " + r.veth());
        }
        if (!r.ips().isEmpty()) {
            Set<IpPrefix> want = new LinkedHashSet<>(addresses(r.ips().stream().map(a -> new IpConfig(a, null)).toList(), who));
            if (!want.equals(new LinkedHashSet<>(e.addresses()))) {
                throw new EndpointException(ApiError.MISMATCH, who + " has addresses " + e.addresses() + ", not " + want);
            }
        }
        String problem = veths.problem(e.veth(), e.vethIfindex());
        if (problem != null) throw new EndpointException(ApiError.VETH_NOT_FOUND, who + ": " + problem);
        return e;
    }

    // ---- restart ------------------------------------------------------------------------------------------

    /**
     * Takes back the registry's endpoints after a restart, before the datapath is reconciled: an endpoint whose veth
     * is gone (its pod went while the agent was down) is removed; the others get their identity again (labels that
     * changed meanwhile count) and enter the engine. Nothing reaches the datapath until {@link PolicyEngineLoop#reconcile}.
     */
    public int restore() throws EndpointException {
        int kept = 0;
        for (Endpoint e : registry.all()) {
            String problem = veths.problem(e.veth(), e.vethIfindex());
            if (problem != null) {
                LOG.info("endpoint {} (container {}) is gone while the agent was down ({}); removing it", e.name(), e.containerId(), problem);
                registry.remove(e.attachment());
                continue;
            }
            LabelSet now = labels.current(e.namespace(), e.pod(), e.labels()).orElse(e.labels());
            Identity identity;
            try {
                identity = allocator.acquire(now);
            } catch (RuntimeException ex) {
                throw new EndpointException(ApiError.IDENTITY_UNAVAILABLE, "endpoint " + e.name() + ": cannot take back its identity: " + ex.getMessage(), ex);
            }
            held.put(e.attachment(), identity);
            Endpoint back = e.withLabels(now).withIdentity(identity.id()).withState(EndpointState.READY, null);
            registry.put(back);
            loop.call(() -> enter(back, identity)).join();
            kept++;
        }
        return kept;
    }

    // ---- labels -------------------------------------------------------------------------------------------

    /** A pod's labels (or its namespace's) changed: its endpoint gets the identity of the new ones. */
    void relabelled(String namespace, String pod) {
        Optional<Endpoint> found = registry.byName(namespace + "/" + pod);
        if (found.isEmpty()) return;
        Endpoint e = found.get();
        Optional<LabelSet> now = labels.current(namespace, pod, e.labels());
        if (now.isEmpty() || now.get().equals(e.labels())) return;
        Thread.ofVirtual().name("ward-endpoint-relabel").start(() -> {
            ReentrantLock lock = lock(e.attachment());
            lock.lock();
            try {
                Optional<Endpoint> current = registry.get(e.attachment());
                if (current.isEmpty() || current.get().labels().equals(now.get())) return;
                LOG.info("endpoint {}: labels changed to {}", e.name(), now.get());
                registry.put(current.get().withLabels(now.get()));
                programNow(e.attachment());
            } catch (EndpointException ex) {
                LOG.warn("endpoint {}: relabelling failed: {}", e.name(), ex.getMessage());
            } finally {
                lock.unlock();
            }
        });
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private void release(Identity id) {
        try {
            allocator.release(id);
        } catch (RuntimeException e) {
            LOG.warn("could not release identity {}: {}", id, e.getMessage());
        }
    }

    private ReentrantLock lock(String attachment) {
        return locks.computeIfAbsent(attachment, k -> new ReentrantLock());
    }

    private static List<IpPrefix> addresses(List<IpConfig> ips, String who) throws EndpointException {
        List<IpPrefix> out = new ArrayList<>();
        for (IpConfig ip : ips) {
            try {
                IpPrefix p = IpPrefix.parse(ip.address());
                IpPrefix host = IpPrefix.host(p.address());
                if (!out.contains(host)) out.add(host);
            } catch (IllegalArgumentException e) {
                throw new EndpointException(ApiError.INVALID_REQUEST, who + ": address '" + ip.address() + "' is invalid: " + e.getMessage());
            }
        }
        if (out.isEmpty()) throw new EndpointException(ApiError.INVALID_REQUEST, who + " has no address");
        return out;
    }
}
