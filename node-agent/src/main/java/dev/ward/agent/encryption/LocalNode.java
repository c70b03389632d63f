package dev.ward.agent.encryption;

import dev.ward.pki.NodeNames;
import java.net.InetAddress;
import java.util.List;

/** This node as encryption sees it: its name, underlay addresses (preferred first) and pod CIDRs. */
public record LocalNode(String name, List<InetAddress> underlay, List<Cidr> podCidrs) {
    public LocalNode {
        NodeNames.require(name, "node name");
        underlay = List.copyOf(underlay);
        podCidrs = List.copyOf(podCidrs);
        if (underlay.isEmpty()) {
            throw new IllegalArgumentException(name + " needs at least one underlay address");
        }
    }

    public boolean ownsUnderlay(InetAddress address) {
        return underlay.contains(address);
    }
}
