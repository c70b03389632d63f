package dev.ward.dnsproxy.policy;

import dev.ward.policy.compute.L7Grant;
import dev.ward.policy.l7.L7Request;
import dev.ward.policy.l7.L7RuleMatcher;
import dev.ward.policy.model.FqdnPattern;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The DNS grants of one redirect verdict, indexed so a query with a thousand rules costs a hash lookup: matchName
 * grants by their name, matchPattern grants in a list. The index only narrows the candidates; the policy module's
 * {@link L7RuleMatcher} decides every match, so the proxy and {@code wardctl policy trace} can never disagree.
 * Results are remembered per name (bounded), since pods ask the same names again and again.
 */
final class GrantIndex {
    static final int MAX_REMEMBERED = 16_384;

    private final Map<String, L7Grant> exact = new HashMap<>();
    private final List<L7Grant> patterns = new ArrayList<>();
    private final Map<String, Optional<L7Grant>> remembered = new ConcurrentHashMap<>();

    GrantIndex(List<L7Grant> grants) {
        for (L7Grant g : grants) {
            if (g.rule() instanceof FqdnPattern p && p.isExact()) exact.putIfAbsent(p.text(), g);
            else patterns.add(g);
        }
    }

    /** The grant admitting {@code qname}, if any: an exact one first, else the first pattern in grant order. */
    Optional<L7Grant> admitting(String qname) {
        Optional<L7Grant> r = remembered.get(qname);
        if (r != null) return r;
        r = Optional.ofNullable(find(qname));
        if (remembered.size() >= MAX_REMEMBERED) remembered.clear();
        remembered.put(qname, r);
        return r;
    }

    private L7Grant find(String qname) {
        L7Request.Dns request = new L7Request.Dns(qname);
        L7Grant g = exact.get(FqdnPattern.normalize(qname));
        if (g != null && L7RuleMatcher.matches(g.rule(), request)) return g;
        for (L7Grant p : patterns) if (L7RuleMatcher.matches(p.rule(), request)) return p;
        return null;
    }
}
