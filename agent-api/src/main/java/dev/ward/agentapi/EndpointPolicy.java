package dev.ward.agentapi;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * One endpoint's policy as its policy map in the kernel holds it ({@code wardctl policy get --endpoint}): the rows
 * read back from the map (adjacent port prefixes of one value folded into a range), each compared with the table the
 * agent computes now, and the rows of that table the map lacks.
 *
 * @param datapath the endpoint's entry in the endpoints map (enforcement, locks, fill)
 * @param entries  what the map holds; {@link Entry#stale()} marks a row the agent's table does not have
 * @param missing  rows the agent's table has and the map does not (empty when the kernel holds exactly the table;
 *                 a change in flight can show here for a moment)
 * @param agentIngressEnforced whether the agent's table enforces ingress (null: the agent has no table for it), to
 *                 compare with {@code datapath.ingressEnforced()}, which is the kernel's
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EndpointPolicy(String endpoint, DatapathInfo datapath, List<Entry> entries, List<Entry> missing,
                             Boolean agentIngressEnforced, Boolean agentEgressEnforced) {
    public EndpointPolicy {
        entries = entries == null ? List.of() : List.copyOf(entries);
        missing = missing == null ? List.of() : List.copyOf(missing);
    }

    /** Whether the kernel holds exactly what the agent computes: no stale or missing row, the same enforcement. */
    public boolean matchesAgent() {
        return missing.isEmpty() && entries.stream().noneMatch(Entry::stale) && agentIngressEnforced != null
                && agentIngressEnforced == datapath.ingressEnforced() && agentEgressEnforced == datapath.egressEnforced();
    }

    /**
     * A policy map row.
     *
     * @param remoteIdentity the remote security identity (0: any)
     * @param remoteLabels   the identity's labels as the agent knows them (null when it does not)
     * @param verdict        {@code allow}, {@code deny} or {@code redirect} (to {@code proxyPort})
     * @param cookie         the rule cookie the value carries (hex), and the rules it stands for
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(String direction, int remoteIdentity, String remoteLabels, String protocol, int portLow, int portHigh,
                        String verdict, int proxyPort, String cookie, List<String> rules, boolean stale) {
        public Entry {
            rules = rules == null ? List.of() : List.copyOf(rules);
        }

        public String ports() {
            return portLow == 0 && portHigh == 65535 ? "*" : portLow == portHigh ? String.valueOf(portLow) : portLow + "-" + portHigh;
        }
    }
}
