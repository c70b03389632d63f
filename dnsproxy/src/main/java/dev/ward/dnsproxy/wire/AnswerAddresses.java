package dev.ward.dnsproxy.wire;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Extracts from an upstream answer the addresses the pod will use for the name it asked: A and AAAA records owned by
 * the question name or by a name its CNAME chain reaches. Records for other names are not learned (an upstream, or
 * whoever forged its answer, cannot open policy for a name the pod did not ask and the rules did not admit).
 */
public final class AnswerAddresses {
    /** Longer chains than this are not followed; resolvers give up far earlier (bind: 16). */
    static final int MAX_CHAIN = 16;

    private AnswerAddresses() {}

    public static ResolvedAddresses extract(DnsQuery query, Message answer) {
        if (answer.getRcode() != Rcode.NOERROR) return ResolvedAddresses.NONE;
        List<Record> records = answer.getSection(Section.ANSWER);
        Set<Name> chain = new LinkedHashSet<>();
        chain.add(query.name());
        Name current = query.name();
        long ttl = Long.MAX_VALUE;
        List<String> cnames = new ArrayList<>();
        for (int hops = 0; hops < MAX_CHAIN; hops++) {
            CNAMERecord next = null;
            for (Record r : records) {
                if (r instanceof CNAMERecord c && r.getDClass() == DClass.IN && c.getName().equals(current)) {
                    next = c;
                    break;
                }
            }
            if (next == null || chain.contains(next.getTarget())) {
                if (next != null) ttl = Math.min(ttl, next.getTTL());
                break;
            }
            ttl = Math.min(ttl, next.getTTL());
            current = next.getTarget();
            chain.add(current);
            cnames.add(dnsName(current));
        }
        Set<InetAddress> addresses = new LinkedHashSet<>();
        long addressTtl = Long.MAX_VALUE;
        for (Record r : records) {
            if (r.getDClass() != DClass.IN || !chain.contains(r.getName())) continue;
            InetAddress a = switch (r) {
                case ARecord ar -> ar.getAddress();
                case AAAARecord aaaa -> aaaa.getAddress();
                default -> null;
            };
            // Nothing connects to the unspecified or a multicast address; learning one would only add an identity.
            if (a != null && !a.isAnyLocalAddress() && !a.isMulticastAddress()) {
                addresses.add(a);
                addressTtl = Math.min(addressTtl, r.getTTL());
            }
        }
        if (addresses.isEmpty()) return ResolvedAddresses.NONE;
        return new ResolvedAddresses(new ArrayList<>(addresses), cnames, Math.min(ttl, addressTtl));
    }

    static String dnsName(Name n) {
        return n.toString(true).toLowerCase(java.util.Locale.ROOT);
    }
}
