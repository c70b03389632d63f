package dev.ward.agent.flows;

import dev.ward.agentapi.FlowFilter;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.*;

/** What each of wardctl monitor's filters lets through, and bad values refused naming the filter. */
class FlowFiltersTest {
    private static final Flow DROP = Flows.l3l4(FlowVerdict.DROPPED, Direction.INGRESS, "10.244.2.6", 41000, 1001, "10.244.1.10", 80, 1002,
            "policy_default_deny").withPeers(
                    new FlowPeer(dev.ward.netlink.IpPrefix.address("10.244.2.6"), 41000, 1001, List.of("k8s:org=alliance", "k8s:class=xwing"), null),
                    new FlowPeer(dev.ward.netlink.IpPrefix.address("10.244.1.10"), 80, 1002, List.of("k8s:org=empire", "k8s:class=deathstar"),
                            "default/deathstar"));
    private static final Flow DNS = Flows.dns("api.example.com", FlowVerdict.FORWARDED, null);
    private static final Flow L7 = Flows.l7("/v1/request-landing", FlowVerdict.DROPPED);

    private static FlowFilter f(String field, String... values) {
        List<String> v = List.of(values);
        return new FlowFilter(field.equals("types") ? v : null, field.equals("verdicts") ? v : null, field.equals("directions") ? v : null,
                field.equals("identities") ? v : null, field.equals("labels") ? v : null, field.equals("from") ? v : null,
                field.equals("to") ? v : null, field.equals("ports") ? v : null, field.equals("protocols") ? v : null,
                field.equals("reasons") ? v : null, field.equals("endpoints") ? v : null);
    }

    private static void passes(FlowFilter filter, Flow... pass) {
        Predicate<Flow> p = FlowFilters.compile(filter);
        List<Flow> all = List.of(DROP, DNS, L7);
        for (Flow fl : all) assertEquals(List.of(pass).contains(fl), p.test(fl), filter + " on " + fl.type() + " " + fl.verdict());
    }

    @Test
    void eachFilterMatchesWhatItSaysAndValuesOfOneFilterAreAlternatives() {
        passes(FlowFilter.ALL, DROP, DNS, L7);
        passes(f("types", "dns"), DNS);
        passes(f("types", "l3l4", "L7"), DROP, L7);
        passes(f("verdicts", "dropped"), DROP, L7);
        passes(f("directions", "egress"), DNS);
        passes(f("identities", "1001"), DROP, L7);
        passes(f("identities", "world"), DNS);
        passes(f("labels", "k8s:org=empire,class=deathstar"), DROP);
        passes(f("labels", "org=alliance"), DROP);
        passes(f("labels", "any:class"), DROP, L7);
        passes(f("labels", "org=sith"));
        passes(f("from", "10.244.2.0/24"), DROP);
        passes(f("to", "10.244.1.10"), DROP, L7);
        passes(f("to", "10.96.0.0/12", "fd00::/8"), DNS);
        passes(f("ports", "53"), DNS);
        passes(f("ports", "80"), DROP, L7);
        passes(f("protocols", "udp"), DNS);
        passes(f("protocols", "6"), DROP, L7);
        passes(f("reasons", "policy_default_deny"), DROP);
        passes(f("endpoints", "default/deathstar"), DROP, L7);
    }

    @Test
    void filtersOfDifferentFieldsMustAllMatch() {
        FlowFilter both = new FlowFilter(List.of("l3l4", "l7"), List.of("dropped"), null, null, null, null, null, List.of("80"), null,
                List.of("policy_denied"), null);
        assertFalse(FlowFilters.compile(both).test(DROP));
        assertTrue(FlowFilters.compile(both).test(L7));
    }

    @Test
    void aBadValueIsRefusedNamingTheFilterAndTheValue() {
        assertRefused(f("types", "l9"), "filter type 'l9'", "unknown flow type");
        assertRefused(f("verdicts", "denied"), "filter verdict 'denied'", "forwarded");
        assertRefused(f("directions", "inbound"), "filter direction 'inbound'", "ingress or egress");
        assertRefused(f("identities", "empire"), "filter identity 'empire'", "a number");
        assertRefused(f("labels", "k9s:app=x"), "filter labels 'k9s:app=x'", "unknown label source 'k9s'");
        assertRefused(f("from", "10.0.0.300"), "filter from '10.0.0.300'", "not an address or CIDR");
        assertRefused(f("ports", "http"), "filter port 'http'", "1-65535");
        assertRefused(f("ports", "70000"), "filter port '70000'", "1-65535");
        assertRefused(f("protocols", "quic"), "filter protocol 'quic'", "TCP, UDP");
        assertRefused(f("reasons", "Policy Deny"), "filter reason 'Policy Deny'", "not a drop reason");
    }

    private static void assertRefused(FlowFilter filter, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FlowFilters.compile(filter));
        for (String p : parts) assertTrue(e.getMessage().contains(p), e.getMessage() + " lacks " + p);
    }
}
