package dev.ward.agent.flows;

import java.net.InetAddress;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * What the hub adds to every flow before readers see it: each end's identity labels, and the local endpoint's name
 * where the source did not give it (the L7 proxy knows addresses, not endpoints).
 */
public final class FlowCompletion implements UnaryOperator<Flow> {
    private final IdentityLabels labels;
    private final Function<InetAddress, String> localEndpoints;

    /** @param localEndpoints the name of the local endpoint holding an address, or null */
    public FlowCompletion(IdentityLabels labels, Function<InetAddress, String> localEndpoints) {
        this.labels = labels;
        this.localEndpoints = localEndpoints;
    }

    @Override
    public Flow apply(Flow f) {
        return f.withPeers(complete(f.source()), complete(f.destination()));
    }

    private FlowPeer complete(FlowPeer p) {
        FlowPeer out = p;
        if (out.labels().isEmpty()) out = out.withLabels(labels.of(out.identity()));
        if (out.endpoint() == null && out.address() != null) {
            String name = localEndpoints.apply(out.address());
            if (name != null) out = out.withEndpoint(name);
        }
        return out;
    }
}
