package dev.ward.agent.flows;

import dev.ward.agent.endpoints.Endpoint;
import dev.ward.netlink.IpPrefix;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Which local endpoint holds an address, from the endpoint registry, for the flow hub's thread. Reread when an
 * address is not found (at most once per {@code missRefresh}: a new pod is found within that, and flows of addresses
 * that are no pod here cost a map lookup) and when what was read is older than {@code maxAge} (an address a deleted
 * pod left to a new one).
 */
public final class LocalEndpointNames implements Function<InetAddress, String> {
    private final Supplier<List<Endpoint>> endpoints;
    private final long missRefreshNanos;
    private final long maxAgeNanos;
    private final LongSupplier nanos;
    private Map<InetAddress, String> byAddress = Map.of();
    private long readAt;
    private boolean read;

    public LocalEndpointNames(Supplier<List<Endpoint>> endpoints, Duration missRefresh, Duration maxAge, LongSupplier nanos) {
        this.endpoints = endpoints;
        this.missRefreshNanos = missRefresh.toNanos();
        this.maxAgeNanos = maxAge.toNanos();
        this.nanos = nanos;
    }

    @Override
    public String apply(InetAddress address) {
        long now = nanos.getAsLong();
        if (!read || now - readAt >= maxAgeNanos) reread(now);
        String name = byAddress.get(address);
        if (name != null || now - readAt < missRefreshNanos) return name;
        reread(now);
        return byAddress.get(address);
    }

    private void reread(long now) {
        Map<InetAddress, String> m = new HashMap<>();
        for (Endpoint e : endpoints.get()) {
            for (IpPrefix p : e.addresses()) m.put(p.address(), e.name());
        }
        byAddress = m;
        readAt = now;
        read = true;
    }
}
