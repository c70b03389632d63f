package dev.ward.dnsproxy.policy;

import dev.ward.policy.model.RuleRef;

/**
 * The decision for one query: the verdict, the endpoint that asked (null when unknown) and its identity, the identity
 * policy gave the server, and the rule that decided (the admitting DNS rule and its pattern, or for a refusal the
 * rules of the port's redirect / the deny; null when the direction's default decided).
 */
public record DnsDecision(DnsVerdict verdict, String endpoint, int endpointIdentity, int serverIdentity, RuleRef rule,
                          String pattern) {

    public static DnsDecision unknownEndpoint(int serverIdentity) {
        return new DnsDecision(DnsVerdict.UNKNOWN_ENDPOINT, null, 0, serverIdentity, null, null);
    }

    /** Whether the answer's addresses go to the engine (and the datapath) before the pod sees them. */
    public boolean learns() {
        return verdict == DnsVerdict.ALLOWED;
    }
}
