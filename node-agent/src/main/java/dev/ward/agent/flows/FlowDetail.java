package dev.ward.agent.flows;

import java.util.List;
import java.util.Map;

/** What only one kind of flow has: its source's own fields. */
public sealed interface FlowDetail {
    FlowType type();

    /**
     * A flow event of the BPF datapath: a new flow it passed or redirected, or a packet it dropped.
     *
     * @param state     how the packet related to conntrack (new, established, reply, related, untracked)
     * @param proxyPort the proxy port of a redirect, else 0
     * @param cookie    the policy map's rule cookie (0: the direction's default decided)
     */
    record L3L4(String state, int icmpType, int icmpCode, int length, int proxyPort, int cookie) implements FlowDetail {
        @Override
        public FlowType type() {
            return FlowType.L3L4;
        }
    }

    /**
     * A DNS query as policy decided it, or the answer the pod got.
     *
     * @param kind       query or answer
     * @param dnsVerdict the proxy's own verdict (allowed, allowed_l4, refused, denied, unknown_endpoint, error)
     * @param pattern    the DNS rule that admitted the name, for allowed queries
     * @param addresses  the answer's addresses for the name, through its CNAMEs
     * @param note       why an answer is an error the proxy made (upstream timeout...), else null
     */
    record Dns(String kind, String name, String qtype, String dnsVerdict, String rcode, List<String> addresses, List<String> cnames,
               long ttlSeconds, String pattern, long latencyMicros, String note) implements FlowDetail {
        public Dns {
            addresses = addresses == null ? List.of() : List.copyOf(addresses);
            cnames = cnames == null ? List.of() : List.copyOf(cnames);
        }

        @Override
        public FlowType type() {
            return FlowType.DNS;
        }
    }

    /**
     * An L7 proxy access-log record: a request and its verdict, its reply, or a connection closed on bad input.
     *
     * @param event  request, reply or error
     * @param fields the parser's key/values (method, path; apiKey, topic; query_action, query_table; command, key)
     * @param status a reply's outcome as its protocol says it (HTTP status, Kafka error, memcached result), else null
     * @param note   why the proxy denied or closed, when it says
     */
    record L7(String event, String parser, Map<String, String> fields, String status, long connection, String note) implements FlowDetail {
        public L7 {
            fields = fields == null ? Map.of() : Map.copyOf(fields);
        }

        @Override
        public FlowType type() {
            return FlowType.L7;
        }
    }
}
