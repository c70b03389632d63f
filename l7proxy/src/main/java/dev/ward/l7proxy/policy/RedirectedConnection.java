package dev.ward.l7proxy.policy;

import dev.ward.policy.model.Direction;

import java.net.InetSocketAddress;

/**
 * A connection the datapath redirected to the proxy: the client's address, the destination it meant to reach
 * (the accepted socket's local address, kept by the transparent redirect), the direction of the redirect and the
 * identities of both ends.
 */
public record RedirectedConnection(long id, Direction direction, InetSocketAddress source,
                                   InetSocketAddress originalDestination, int sourceIdentity, int destinationIdentity) {

    /** The local endpoint whose verdict table holds this connection's rules. */
    public InetSocketAddress endpoint() {
        return direction == Direction.INGRESS ? originalDestination : source;
    }

    /** The identity on the far side of the endpoint. */
    public int remoteIdentity() {
        return direction == Direction.INGRESS ? sourceIdentity : destinationIdentity;
    }

    public int port() {
        return originalDestination.getPort();
    }

    @Override
    public String toString() {
        return "#" + id + " " + direction.lower() + " " + source.getAddress().getHostAddress() + ":" + source.getPort()
                + " -> " + originalDestination.getAddress().getHostAddress() + ":" + originalDestination.getPort();
    }
}
