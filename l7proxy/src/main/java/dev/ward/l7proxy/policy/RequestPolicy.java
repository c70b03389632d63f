package dev.ward.l7proxy.policy;

import dev.ward.l7proxy.parser.Decision;
import dev.ward.policy.compute.L7Grant;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.l7.L7Request;
import dev.ward.policy.l7.L7RuleMatcher;
import dev.ward.policy.model.RuleRef;

/**
 * Decides one request of a redirected connection against its endpoint's current verdict. Matching is the policy
 * engine's ({@link L7RuleMatcher}); this only picks the verdict and names the rule that decided.
 */
public final class RequestPolicy {
    /** Decisions remembered per connection: clients repeat requests, and 100 regex rules cost more than a hash. */
    static final int CACHED_DECISIONS = 128;
    private final RedirectLookup lookup;
    private Verdict cachedFor;
    private final java.util.LinkedHashMap<L7Request, Decision> cache = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<L7Request, Decision> eldest) {
            return size() > CACHED_DECISIONS;
        }
    };
    private final RedirectedConnection connection;
    private final String parser;

    public RequestPolicy(RedirectLookup lookup, RedirectedConnection connection, String parser) {
        this.lookup = lookup;
        this.connection = connection;
        this.parser = parser;
    }

    /** The verdict the connection's endpoint has for it now; null when the endpoint is gone. */
    public Verdict currentVerdict() {
        return lookup.verdict(connection.endpoint().getAddress(), connection.direction(), connection.remoteIdentity(),
                connection.port());
    }

    /**
     * Decides against the current verdict. A decision is reused only while the verdict is the very same object:
     * any policy change gives the endpoint a new verdict, and the cache starts over.
     */
    public Decision decide(L7Request request) {
        Verdict v = currentVerdict();
        if (v != cachedFor) {
            cache.clear();
            cachedFor = v;
        }
        Decision d = cache.get(request);
        if (d == null) {
            d = decide(v, request);
            cache.put(request, d);
        }
        return d;
    }

    Decision decide(Verdict v, L7Request request) {
        if (v == null) return Decision.deny(null, "the endpoint is gone");
        return switch (v.kind()) {
            // The rules were relaxed to plain L4 while the connection was open: everything passes, as it would
            // for a new connection that the datapath no longer redirects.
            case ALLOW -> Decision.allow(first(v), null);
            case DENY -> Decision.deny(first(v), "denied at L4 since the connection opened");
            case REDIRECT -> {
                if (!parser.equals(v.l7Type())) {
                    yield Decision.deny(first(v), "the port's rules are now of type " + v.l7Type() + ", not " + parser);
                }
                for (L7Grant g : v.grants()) {
                    if (L7RuleMatcher.matches(g.rule(), request)) yield Decision.allow(g.ref(), g.rule());
                }
                yield Decision.deny(null, "no " + parser + " rule matches");
            }
        };
    }

    private static RuleRef first(Verdict v) {
        return v.rules().isEmpty() ? null : v.rules().getFirst();
    }
}
