package dev.ward.agent.encryption;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/** The outer addresses of the ESP tunnel between this node and a peer. */
public record TunnelEndpoints(InetAddress local, InetAddress remote) {
    /**
     * The first local underlay address (in the local preference order) for which the peer has an address of
     * the same family, paired with the peer's first such address. One tunnel per pair carries pod traffic of
     * both families, so there is one set of SAs per pair.
     */
    public static Optional<TunnelEndpoints> between(List<InetAddress> local, List<InetAddress> remote) {
        for (InetAddress mine : local) {
            for (InetAddress theirs : remote) {
                if (IpFamily.of(mine) == IpFamily.of(theirs)) {
                    return Optional.of(new TunnelEndpoints(mine, theirs));
                }
            }
        }
        return Optional.empty();
    }
}
