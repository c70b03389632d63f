package dev.ward.bpf.plan;

import dev.ward.policy.model.Direction;

/**
 * Where redirects go: the port of the local proxy that serves an L7 type (the DNS proxy for "dns", the L7
 * proxy for "http", "kafka"...) in a direction, or 0 when none is listening, in which case the datapath drops
 * the redirected flows rather than let them pass unfiltered.
 */
@FunctionalInterface
public interface ProxyPorts {
    int portFor(String endpoint, Direction direction, String l7Type);

    ProxyPorts NONE = (endpoint, direction, l7Type) -> 0;
}
