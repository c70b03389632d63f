package dev.ward.dnsproxy.event;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;

/**
 * One DNS flow event: a query as policy decided it, or the answer the pod got. What the agent's flow log and
 * {@code wardctl monitor --type dns} show.
 *
 * @param kind          query or answer
 * @param time          when the proxy decided (query) or released the answer
 * @param endpoint      the local endpoint that asked (null when the source is no endpoint)
 * @param identity      that endpoint's security identity
 * @param source        the pod's address
 * @param server        the DNS server it asked (the original destination)
 * @param serverIdentity the identity policy gave the server
 * @param transport     udp or tcp
 * @param name          the question name
 * @param type          the question type (A, AAAA, ...)
 * @param verdict       the policy verdict (allowed, allowed_l4, refused, denied, unknown_endpoint)
 * @param rule          the rule section that decided, e.g. {@code CiliumNetworkPolicy/default/dns spec.egress[0]}
 * @param pattern       the DNS rule that admitted the name ({@code matchPattern:*.example.com}), for allowed queries
 * @param rcode         the rcode the pod got (answers only)
 * @param addresses     the addresses the answer gave for the name, through CNAMEs (answers only)
 * @param cnames        the CNAME chain followed (answers only)
 * @param ttlSeconds    how long the addresses stay allowed (answers that taught addresses)
 * @param latencyMicros time from the query's arrival to the answer's release (answers only)
 * @param note          why an answer is an error the proxy made (upstream timeout, datapath timeout...), else null
 * @param sourcePort    the pod's port
 * @param serverPort    the server's port (53, or what the pod asked)
 */
public record DnsEvent(Kind kind, Instant time, String endpoint, int identity, InetAddress source, InetAddress server,
                       int serverIdentity, String transport, String name, String type, String verdict, String rule,
                       String pattern, String rcode, List<InetAddress> addresses, List<String> cnames, long ttlSeconds,
                       long latencyMicros, String note, int sourcePort, int serverPort) {
    public enum Kind { QUERY, ANSWER }

    /** An event whose ports are not known (0). */
    public DnsEvent(Kind kind, Instant time, String endpoint, int identity, InetAddress source, InetAddress server,
                    int serverIdentity, String transport, String name, String type, String verdict, String rule,
                    String pattern, String rcode, List<InetAddress> addresses, List<String> cnames, long ttlSeconds,
                    long latencyMicros, String note) {
        this(kind, time, endpoint, identity, source, server, serverIdentity, transport, name, type, verdict, rule, pattern, rcode,
                addresses, cnames, ttlSeconds, latencyMicros, note, 0, 0);
    }

    public DnsEvent {
        addresses = addresses == null ? List.of() : List.copyOf(addresses);
        cnames = cnames == null ? List.of() : List.copyOf(cnames);
    }
}
