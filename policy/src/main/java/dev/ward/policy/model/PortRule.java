package dev.ward.policy.model;

import java.util.List;

/** One {@code toPorts[]} entry: ports (all must share the L7 rules) and optional L7 rules; null rules mean plain L4. */
public record PortRule(List<PortProtocol> ports, L7Rules rules) {
    public PortRule {
        ports = List.copyOf(ports);
    }
}
