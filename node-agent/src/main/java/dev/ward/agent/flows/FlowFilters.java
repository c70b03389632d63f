package dev.ward.agent.flows;

import dev.ward.agentapi.FlowFilter;
import dev.ward.policy.identity.ReservedIdentity;
import dev.ward.policy.label.SelectorKey;
import dev.ward.policy.model.Cidr;
import dev.ward.policy.model.Direction;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Compiles a {@link FlowFilter} (what {@code wardctl monitor}'s flags say) into a test of flows, checking every
 * value first: a bad one is an {@link IllegalArgumentException} naming the field and the value, never a filter that
 * quietly matches nothing. Within a field any value may match; every field must match.
 */
public final class FlowFilters {
    private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "ICMP", "ICMPV6", "SCTP");

    private FlowFilters() {}

    public static Predicate<Flow> compile(FlowFilter f) {
        List<Predicate<Flow>> all = new ArrayList<>();
        field(all, f.types(), "type", s -> {
            FlowType t = FlowType.parse(s);
            return flow -> flow.type() == t;
        });
        field(all, f.verdicts(), "verdict", s -> {
            FlowVerdict v = FlowVerdict.parse(s);
            return flow -> flow.verdict() == v;
        });
        field(all, f.directions(), "direction", s -> {
            Direction d = direction(s);
            return flow -> flow.direction() == d;
        });
        field(all, f.identities(), "identity", s -> {
            int id = identity(s);
            return flow -> flow.source().identity() == id || flow.destination().identity() == id;
        });
        field(all, f.labels(), "labels", s -> {
            List<LabelTest> wanted = labels(s);
            return flow -> hasAll(flow.source(), wanted) || hasAll(flow.destination(), wanted);
        });
        field(all, f.from(), "from", s -> {
            Cidr c = cidr(s);
            return flow -> inside(c, flow.source());
        });
        field(all, f.to(), "to", s -> {
            Cidr c = cidr(s);
            return flow -> inside(c, flow.destination());
        });
        field(all, f.ports(), "port", s -> {
            int port = port(s);
            return flow -> flow.source().port() == port || flow.destination().port() == port;
        });
        field(all, f.protocols(), "protocol", s -> {
            String p = protocol(s);
            return flow -> flow.protocol().equalsIgnoreCase(p);
        });
        field(all, f.reasons(), "reason", s -> {
            if (!s.strip().matches("[a-z0-9_]+")) throw new IllegalArgumentException("'" + s + "' is not a drop reason (e.g. policy_deny, dns_refused)");
            String r = s.strip();
            return flow -> r.equals(flow.reason());
        });
        field(all, f.endpoints(), "endpoint", s -> {
            if (s.isBlank()) throw new IllegalArgumentException("an endpoint is namespace/pod, not empty");
            String e = s.strip();
            return flow -> e.equals(flow.source().endpoint()) || e.equals(flow.destination().endpoint());
        });
        return flow -> {
            for (Predicate<Flow> p : all) if (!p.test(flow)) return false;
            return true;
        };
    }

    private static void field(List<Predicate<Flow>> all, List<String> values, String name, Function<String, Predicate<Flow>> compile) {
        if (values.isEmpty()) return;
        List<Predicate<Flow>> any = new ArrayList<>();
        for (String v : values) {
            try {
                any.add(compile.apply(v));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("filter " + name + " '" + v + "': " + e.getMessage(), e);
            }
        }
        all.add(flow -> {
            for (Predicate<Flow> p : any) if (p.test(flow)) return true;
            return false;
        });
    }

    private static Direction direction(String s) {
        for (Direction d : Direction.values()) if (d.lower().equalsIgnoreCase(s.strip())) return d;
        throw new IllegalArgumentException("a direction is ingress or egress");
    }

    /** A number, or a reserved identity's name (world, host, ...). */
    static int identity(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        if (t.startsWith("reserved:")) t = t.substring("reserved:".length());
        for (ReservedIdentity r : ReservedIdentity.values()) if (r.labelName().equals(t)) return r.id();
        try {
            long v = Long.parseLong(t);
            if (v < 0 || v > 0xFFFFFFFFL) throw new NumberFormatException();
            return (int) v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("an identity is a number (e.g. 1001) or a reserved name (world, host, ...)");
        }
    }

    /** One wanted label: its key with or without a source, and a value (empty: the key alone, any value). */
    private record LabelTest(SelectorKey key, String value, boolean anyValue) {
        boolean matches(String label) {
            int colon = label.indexOf(':');
            String source = colon < 0 ? "" : label.substring(0, colon);
            String rest = colon < 0 ? label : label.substring(colon + 1);
            int eq = rest.indexOf('=');
            String k = eq < 0 ? rest : rest.substring(0, eq);
            String v = eq < 0 ? "" : rest.substring(eq + 1);
            return key.matchesSource(source) && key.key().equals(k) && (anyValue || value.equals(v));
        }
    }

    private static List<LabelTest> labels(String s) {
        List<LabelTest> out = new ArrayList<>();
        for (String part : s.split(",")) {
            String t = part.strip();
            if (t.isEmpty()) continue;
            int eq = t.indexOf('=');
            SelectorKey key = SelectorKey.parse(eq < 0 ? t : t.substring(0, eq));
            if (key.key().isEmpty()) throw new IllegalArgumentException("label '" + t + "' has an empty key");
            out.add(new LabelTest(key, eq < 0 ? "" : t.substring(eq + 1), eq < 0));
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no label given");
        return out;
    }

    private static boolean hasAll(FlowPeer p, List<LabelTest> wanted) {
        for (LabelTest w : wanted) {
            boolean found = false;
            for (String l : p.labels()) {
                if (w.matches(l)) {
                    found = true;
                    break;
                }
            }
            if (!found) return false;
        }
        return true;
    }

    private static Cidr cidr(String s) {
        try {
            return Cidr.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an address or CIDR: " + e.getMessage());
        }
    }

    private static boolean inside(Cidr c, FlowPeer p) {
        return p.address() != null && c.contains(Cidr.host(p.address()));
    }

    private static int port(String s) {
        try {
            int p = Integer.parseInt(s.strip());
            if (p >= 1 && p <= 65535) return p;
        } catch (NumberFormatException ignored) {
            // said below
        }
        throw new IllegalArgumentException("a port is a number 1-65535");
    }

    private static String protocol(String s) {
        String t = s.strip().toUpperCase(Locale.ROOT);
        if (PROTOCOLS.contains(t)) return t.equals("ICMPV6") ? "ICMPv6" : t;
        try {
            int n = Integer.parseInt(t);
            if (n >= 0 && n <= 255) return Flow.protocolName(n);
        } catch (NumberFormatException ignored) {
            // said below
        }
        throw new IllegalArgumentException("a protocol is TCP, UDP, ICMP, ICMPv6, SCTP or a number 0-255");
    }
}
