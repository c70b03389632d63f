package dev.ward.bpf.events;

import dev.ward.policy.compute.Verdict;
import dev.ward.policy.model.Direction;

import java.net.InetAddress;

/**
 * One flow event from the datapath: a new flow it let through (or redirected) or a packet it dropped, with the
 * endpoint and its identity, the remote identity, the 5-tuple (ports 0 for ICMP, whose type and code are
 * given instead), the verdict and reason, and the cookie of the rules that decided (0: the default did).
 */
public record FlowEvent(long timestampNanos, int endpointId, int localIdentity, int remoteIdentity, int cookie, int ifindex,
                        int length, int protocol, InetAddress source, int sourcePort, InetAddress destination, int destinationPort,
                        int proxyPort, Direction direction, Verdict.Kind verdict, FlowReason reason, FlowState state,
                        int icmpType, int icmpCode) {
    public boolean dropped() {
        return verdict == Verdict.Kind.DENY || reason != FlowReason.FORWARDED;
    }

    /** The remote end's address: the destination of egress traffic, the source of ingress traffic. */
    public InetAddress remoteAddress() {
        return direction == Direction.EGRESS ? destination : source;
    }

    @Override
    public String toString() {
        String ports = protocol == 1 || protocol == 58 ? " icmp " + icmpType + "/" + icmpCode : "";
        return direction.lower() + " ep " + endpointId + " " + source.getHostAddress() + (sourcePort > 0 ? ":" + sourcePort : "")
                + " -> " + destination.getHostAddress() + (destinationPort > 0 ? ":" + destinationPort : "") + " proto " + protocol + ports
                + " remote-id " + Integer.toUnsignedString(remoteIdentity) + " " + verdict.name().toLowerCase() + " (" + reason.description()
                + ") " + state.name().toLowerCase() + (cookie != 0 ? " cookie " + Integer.toHexString(cookie) : "");
    }
}
