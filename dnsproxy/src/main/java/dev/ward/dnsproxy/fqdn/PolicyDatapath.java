package dev.ward.dnsproxy.fqdn;

import dev.ward.policy.compute.EngineDelta;

import java.util.concurrent.CompletableFuture;

/**
 * What the proxy needs from the datapath (the BPF ipcache and policy maps): to hold an engine delta. The proxy
 * releases an answer only after the future of the delta that allowed its addresses completed.
 *
 * <p>Contract: {@link #apply} is called from the engine's thread, in the order the engine produced the deltas; the
 * datapath applies them in that order (a delta's new identities into the ipcache before table rows that name them,
 * its removed identities after). The returned future completes normally when the maps hold this delta and every
 * delta given before it, and exceptionally if they never will. The proxy also calls it with empty deltas (a name
 * whose addresses were already known): the future is then a barrier for everything given before.
 */
public interface PolicyDatapath {
    CompletableFuture<Void> apply(EngineDelta delta);
}
