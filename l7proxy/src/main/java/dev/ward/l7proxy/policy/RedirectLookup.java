package dev.ward.l7proxy.policy;

import dev.ward.policy.compute.Verdict;
import dev.ward.policy.model.Direction;

import java.net.InetAddress;

/**
 * What the proxy asks the agent about a redirected connection. The agent answers from the same state the
 * datapath uses: its ipcache for identities, and the endpoints' verdict tables ({@code VerdictTable.lookup}).
 * Called from the proxy's event-loop threads, at accept and before each request (so a policy change applies to
 * open connections): implementations must be thread-safe and should read immutable snapshots.
 */
public interface RedirectLookup {

    /** The security identity of {@code address}, as the datapath's ipcache has it (world when unknown). */
    int identity(InetAddress address);

    /**
     * The current verdict of the local endpoint at {@code endpoint} for TCP flows in {@code direction} with the
     * remote {@code remoteIdentity} on {@code port}; null when {@code endpoint} is no local endpoint.
     */
    Verdict verdict(InetAddress endpoint, Direction direction, int remoteIdentity, int port);
}
