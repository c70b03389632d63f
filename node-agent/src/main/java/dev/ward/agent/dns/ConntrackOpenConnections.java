package dev.ward.agent.dns;

import dev.ward.agent.datapath.KernelDatapath;
import dev.ward.bpf.datapath.ConntrackEntry;
import dev.ward.bpf.datapath.Datapath;
import dev.ward.bpf.datapath.EndpointRecord;
import dev.ward.dnsproxy.fqdn.OpenConnections;
import dev.ward.policy.model.Direction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Open connections as the kernel's conntrack map holds them: an endpoint's live egress flows to an address keep
 * that address allowed past its TTL. Read once per expiry sweep. When the map cannot be read, nothing counts as
 * open: a TTL then ends as the answer said, which closes rather than keeps policy open.
 */
final class ConntrackOpenConnections implements OpenConnections {
    private static final Logger LOG = LoggerFactory.getLogger(ConntrackOpenConnections.class);

    private record Open(String endpoint, InetAddress remote) {}

    private final KernelDatapath kernel;
    private Set<Open> open = Set.of();

    ConntrackOpenConnections(KernelDatapath kernel) {
        this.kernel = kernel;
    }

    @Override
    public void refresh() {
        try {
            open = kernel.call(ConntrackOpenConnections::read).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("cannot read the conntrack map for the DNS expiry sweep: {}", e.toString());
            open = Set.of();
        }
    }

    private static Set<Open> read(Datapath dp) {
        Map<Integer, String> names = new HashMap<>();
        for (EndpointRecord r : dp.endpoints()) names.put(r.endpointId(), r.name());
        long now = System.nanoTime();
        Set<Open> out = new HashSet<>();
        for (ConntrackEntry e : dp.conntrack()) {
            if (e.direction() != Direction.EGRESS || e.expiresNanos() < now) continue;
            String name = names.get(e.endpointId());
            if (name != null) out.add(new Open(name, e.destination()));
        }
        return out;
    }

    @Override
    public boolean isOpen(String endpoint, InetAddress remote) {
        return open.contains(new Open(endpoint, remote));
    }
}
