package dev.ward.agent.l7;

import dev.ward.agent.datapath.DatapathEndpoint;
import dev.ward.agent.policy.PolicyEngineLoop;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.compute.VerdictTable;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * The verdict tables of the node's local endpoints by address, as the engine loop hands them to the datapath, for
 * the proxy's event loops: the loop's thread writes and publishes a new immutable map on every change, the proxy
 * reads the last one without a lock. A request is judged by the very table whose redirect brought it.
 */
public final class LocalVerdicts implements PolicyEngineLoop.EndpointTableListener {
    private record Held(DatapathEndpoint endpoint, VerdictTable table) {}

    private final Map<String, Held> byName = new HashMap<>();
    private volatile Map<InetAddress, VerdictTable> byAddress = Map.of();

    @Override
    public void table(DatapathEndpoint endpoint, VerdictTable table) {
        byName.put(endpoint.name(), new Held(endpoint, table));
        publish();
    }

    @Override
    public void removed(String endpoint) {
        if (byName.remove(endpoint) != null) publish();
    }

    private void publish() {
        Map<InetAddress, VerdictTable> m = new HashMap<>();
        for (Held h : byName.values()) {
            for (IpPrefix a : h.endpoint().addresses()) m.put(a.address(), h.table());
        }
        byAddress = Map.copyOf(m);
    }

    /** The verdict for a TCP flow of the local endpoint at {@code endpoint}; null when no local endpoint has it. */
    public Verdict verdict(InetAddress endpoint, Direction direction, int remoteIdentity, int port) {
        VerdictTable t = byAddress.get(endpoint);
        return t == null ? null : t.lookup(direction, remoteIdentity, Protocol.TCP, port).verdict();
    }
}
