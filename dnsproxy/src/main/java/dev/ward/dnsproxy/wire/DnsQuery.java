package dev.ward.dnsproxy.wire;

import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/**
 * A query a pod sent, as parsed and accepted: its id and single question, and the exact bytes it sent (forwarded
 * upstream unchanged but for the id, so the proxy stays transparent to EDNS options and flags it does not know).
 */
public record DnsQuery(int id, Name name, String qname, int type, int dclass, boolean edns, byte[] wire) {

    /** {@code qname}: the question name as DNS rules and toFQDNs compare it, made once (rules, events, learner). */
    public DnsQuery(int id, Name name, int type, int dclass, boolean edns, byte[] wire) {
        this(id, name, ruleName(name), type, dclass, edns, wire);
    }

    /** Lower case, no trailing dot, escapes kept; the root is ".". */
    static String ruleName(Name name) {
        String s = name.toString(true).toLowerCase(java.util.Locale.ROOT);
        return s.isEmpty() ? "." : s;
    }

    public String typeName() {
        return Type.string(type);
    }
}
