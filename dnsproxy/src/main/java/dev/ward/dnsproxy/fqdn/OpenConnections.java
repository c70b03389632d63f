package dev.ward.dnsproxy.fqdn;

import java.net.InetAddress;

/**
 * Whether an endpoint still has a connection open to an address (the datapath's conntrack): a learned address whose
 * TTL ran out stays allowed while one is, so expiry never cuts a live connection.
 *
 * <p>Asked only during an expiry sweep, for entries past their TTL, from the engine's thread. {@link #refresh} is
 * called once at the start of each sweep, so an implementation over a conntrack map can take one pass over it there
 * and answer {@link #isOpen} from what it read.
 */
public interface OpenConnections {
    OpenConnections NONE = (endpoint, address) -> false;

    default void refresh() {}

    boolean isOpen(String endpoint, InetAddress remote);
}
