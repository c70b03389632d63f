package dev.ward.dnsproxy.wire;

import java.net.InetAddress;
import java.util.List;

/**
 * The addresses an answer gives for the queried name (directly or through its CNAME chain), the chain's names, and
 * the smallest TTL along the records used: how long the pod may rely on them.
 */
public record ResolvedAddresses(List<InetAddress> addresses, List<String> cnames, long ttlSeconds) {
    public ResolvedAddresses {
        addresses = List.copyOf(addresses);
        cnames = List.copyOf(cnames);
    }

    public static final ResolvedAddresses NONE = new ResolvedAddresses(List.of(), List.of(), 0);

    public boolean isEmpty() {
        return addresses.isEmpty();
    }
}
