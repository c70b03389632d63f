package dev.ward.agent.flows;

import dev.ward.netlink.IpPrefix;
import dev.ward.policy.model.Direction;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Flows of each type as their sources make them, for tests. */
public final class Flows {
    private Flows() {}

    public static Flow l3l4(FlowVerdict verdict, Direction d, String from, int sport, int fromId, String to, int dport, int toId, String reason) {
        return new Flow(Instant.parse("2026-03-01T10:00:00.123456789Z"), "n1", verdict, d,
                new FlowPeer(IpPrefix.address(from), sport, fromId, List.of(), null),
                new FlowPeer(IpPrefix.address(to), dport, toId, List.of(), null), "TCP", reason,
                reason == null ? List.of("CiliumNetworkPolicy/default/rule1 spec.ingress[0]") : List.of(),
                new FlowDetail.L3L4("new", 0, 0, 60, 0, reason == null ? 0x1234abcd : 0));
    }

    public static Flow dns(String name, FlowVerdict verdict, String reason) {
        return new Flow(Instant.parse("2026-03-01T10:00:01Z"), "n1", verdict, Direction.EGRESS,
                new FlowPeer(IpPrefix.address("10.244.1.5"), 40000, 300, List.of("k8s:app=web"), "default/web"),
                new FlowPeer(IpPrefix.address("10.96.0.10"), 53, 2, List.of("reserved:world"), null), "UDP", reason,
                List.of("CiliumNetworkPolicy/default/dns spec.egress[0]"),
                new FlowDetail.Dns("answer", name, "A", verdict == FlowVerdict.FORWARDED ? "allowed" : "refused", "NOERROR",
                        List.of("192.0.2.1"), List.of("edge.cdn.test"), 60, "matchPattern:*.example.com", 812, null));
    }

    public static Flow l7(String path, FlowVerdict verdict) {
        return new Flow(Instant.parse("2026-03-01T10:00:02Z"), "n1", verdict, Direction.INGRESS,
                new FlowPeer(IpPrefix.address("10.244.1.6"), 51000, 1001, List.of("k8s:org=empire"), null),
                new FlowPeer(IpPrefix.address("10.244.1.10"), 80, 1002, List.of("k8s:class=deathstar"), "default/deathstar"), "TCP",
                verdict == FlowVerdict.DROPPED ? "policy_denied" : null, List.of("CiliumNetworkPolicy/default/rule1 spec.ingress[0]"),
                new FlowDetail.L7("request", "http", Map.of("method", "POST", "path", path), null, 7, null));
    }
}
