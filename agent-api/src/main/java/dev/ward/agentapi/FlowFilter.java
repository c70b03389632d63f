package dev.ward.agentapi;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * Which flows a {@link ApiRequest.FollowFlows} wants, as the operator wrote them ({@code wardctl monitor}'s filter
 * flags); the agent checks and compiles them, and refuses a bad one naming the flag and value. Each field lists
 * alternatives (a flow matches the field if it matches any of them; an empty list matches every flow), and a flow
 * must match every field.
 *
 * @param types      l3l4, dns, l7
 * @param verdicts   forwarded, dropped, redirected, error
 * @param directions ingress, egress
 * @param identities numeric identities (or reserved names: world, host...); either end of the flow
 * @param labels     label lists ({@code k8s:app=web,org=empire}); either end has every label of one list
 * @param from       source addresses or CIDRs
 * @param to         destination addresses or CIDRs
 * @param ports      ports; either end
 * @param protocols  TCP, UDP, ICMP, ICMPv6, SCTP, or a protocol number
 * @param reasons    drop reasons as flows name them (policy_deny, policy_default_deny, dns_refused...)
 * @param endpoints  local endpoint names ({@code namespace/pod}); either end
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record FlowFilter(List<String> types, List<String> verdicts, List<String> directions, List<String> identities,
                         List<String> labels, List<String> from, List<String> to, List<String> ports, List<String> protocols,
                         List<String> reasons, List<String> endpoints) {
    public static final FlowFilter ALL = new FlowFilter(null, null, null, null, null, null, null, null, null, null, null);

    public FlowFilter {
        types = copy(types);
        verdicts = copy(verdicts);
        directions = copy(directions);
        identities = copy(identities);
        labels = copy(labels);
        from = copy(from);
        to = copy(to);
        ports = copy(ports);
        protocols = copy(protocols);
        reasons = copy(reasons);
        endpoints = copy(endpoints);
    }

    private static List<String> copy(List<String> l) {
        return l == null ? List.of() : List.copyOf(l);
    }
}
