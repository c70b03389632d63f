package dev.ward.agent.datapath;

import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.VerdictTable;

import java.util.concurrent.CompletableFuture;

/**
 * What the agent asks of the node's datapath (the BPF programs and maps of module bpf): the seam between the agent's
 * policy and endpoint logic and the kernel. The agent's engine loop ({@code dev.ward.agent.policy.PolicyEngineLoop})
 * is the only caller.
 *
 * <p><b>Threading and order.</b> Every method is called from the engine loop's one thread, in the order the agent
 * decided the changes; an implementation applies them in that order. Each returns a future that completes normally
 * when the kernel holds that change and every change given before it, and exceptionally (with a
 * {@link DatapathException} naming the endpoint and the reason) if it never will; futures complete in call order.
 * An implementation may do the work on the caller's thread (returning a completed future) or on its own thread; it
 * must never call back into the agent from inside a call.
 *
 * <p><b>What each call means.</b>
 * <ul>
 * <li>{@link #reconcile}: once at start, before any other call, and again after a call failed: make the kernel hold
 *     exactly {@code desired} (attach endpoints it lacks, detach those it has and {@code desired} does not, write
 *     rows and ipcache entries that are missing or different, delete stale ones), without a moment in which an
 *     endpoint's traffic is judged by anything but its old or its new table.</li>
 * <li>{@link #apply}: one engine change, table rows of endpoints already put, and node-local identities (the
 *     delta's new identities go into the ipcache before rows that name them, its removed ones after). Tables of
 *     endpoints not (yet) put are skipped: {@link #putEndpoint} writes their whole table.</li>
 * <li>{@link #putEndpoint}: attach a new endpoint (or update one already attached: its identity, its veth) with its
 *     full table; the future completes only when its programs enforce that table, which is what lets the CNI ADD
 *     return: the pod is enforced from its first packet. Until then its traffic is dropped.</li>
 * <li>{@link #removeEndpoint}: detach it (programs first, then its table and its conntrack entries).</li>
 * <li>{@link #applyIpcache}: the cluster's pod addresses changed (this node's and other nodes' pods).</li>
 * </ul>
 * A failure leaves what it touched failed closed (an endpoint's direction default-deny), never half-open.
 */
public interface PolicyDatapath extends AutoCloseable {
    CompletableFuture<Void> reconcile(DatapathState desired);

    CompletableFuture<Void> apply(EngineDelta delta);

    CompletableFuture<Void> putEndpoint(DatapathEndpoint endpoint, VerdictTable table);

    CompletableFuture<Void> removeEndpoint(String name);

    CompletableFuture<Void> applyIpcache(IpcacheDelta delta);

    /** Releases this process's handles; what the kernel holds stays, to enforce while the agent restarts. */
    @Override
    default void close() {}
}
