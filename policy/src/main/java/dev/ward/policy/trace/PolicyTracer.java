package dev.ward.policy.trace;

import dev.ward.policy.compute.L7Grant;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.compute.NamedPort;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.compute.VerdictTable;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.IdentityLabelFilter;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.identity.ReservedIdentity;
import dev.ward.policy.l7.L7Request;
import dev.ward.policy.load.LoadedEngine;
import dev.ward.policy.load.PolicySet;
import dev.ward.policy.l7.L7RuleMatcher;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Policy;
import dev.ward.policy.model.RuleRef;
import dev.ward.policy.model.ServiceDefinition;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides a flow the way the datapath will: the source endpoint's egress table, then the destination endpoint's
 * ingress table, each looked up exactly as the datapath looks it up, then the L7 rules of a redirect against the
 * request. Used by {@code wardctl policy trace} and by the golden tests, so what operators see is what is tested.
 */
public final class PolicyTracer {
    private final PolicySet policies;
    private final String clusterName;
    private final Map<String, Set<NamedPort>> namedPorts;

    public PolicyTracer(List<Policy> policies, List<ServiceDefinition> services, String clusterName,
                        Map<String, Set<NamedPort>> namedPorts) {
        this(PolicySet.of(policies, services), clusterName, namedPorts);
    }

    /** Traces against {@code policies} and the identities their store holds, numbered as {@link LoadedEngine} does. */
    public PolicyTracer(PolicySet policies, String clusterName, Map<String, Set<NamedPort>> namedPorts) {
        this.policies = policies;
        this.clusterName = clusterName;
        this.namedPorts = Map.copyOf(namedPorts);
    }

    public TraceResult trace(Flow flow) {
        LoadedEngine loaded = LoadedEngine.of(policies, clusterName, namedPorts);
        PolicyEngine engine = loaded.engine();
        List<String> notes = new ArrayList<>(loaded.rejected());
        Resolved src = resolve(flow.source(), "source", loaded);
        Resolved dst = resolve(flow.destination(), "destination", loaded);
        List<TraceStep> steps = new ArrayList<>();
        String flowText = flow.port() + "/" + flow.protocol();
        if (src.endpoint != null) {
            steps.add(step(engine.table(src.endpoint), Direction.EGRESS, dst.identity, flow, "egress of the source"));
        } else {
            notes.add("the source is not a local endpoint (" + src.describe + "): no egress policy applies");
        }
        if (dst.endpoint != null) {
            steps.add(step(engine.table(dst.endpoint), Direction.INGRESS, src.identity, flow, "ingress of the destination"));
        } else {
            notes.add("the destination is not a local endpoint (" + dst.describe + "): no ingress policy applies");
        }
        return TraceResult.of(src.describe, dst.describe, flowText, steps, notes);
    }

    private record Resolved(Identity identity, String endpoint, String describe) {}

    private Resolved resolve(FlowPeer peer, String role, LoadedEngine loaded) {
        PolicyEngine engine = loaded.engine();
        return switch (peer) {
            case FlowPeer.Labels l -> {
                var labels = WorkloadLabels.complete(l.labels(), clusterName);
                Identity id = loaded.identityOf(labels);
                // The endpoint keeps all identity labels (a host's node labels too, which nodeSelector reads).
                Identity endpointIdentity = Identity.of(id.id(), IdentityLabelFilter.DEFAULT.filter(labels));
                // The host identity carries the local node's labels, which fromNodes/toNodes selectors read.
                if (id.id() == ReservedIdentity.HOST.id()) engine.upsertIdentity(endpointIdentity);
                if (!WorkloadLabels.isEndpoint(labels)) {
                    yield new Resolved(id, null, describe(id));
                }
                Map<String, Set<NamedPort>> eps = role.equals("destination") ? namedPorts : Map.of();
                engine.upsertEndpoint(new LocalEndpoint(role, endpointIdentity, eps));
                yield new Resolved(id, role, describe(id));
            }
            case FlowPeer.Address a -> {
                Identity id = engine.identityForAddress(a.address());
                yield new Resolved(id, null, a.address().getHostAddress() + " = " + describe(id));
            }
            case FlowPeer.DnsName n -> {
                engine.learnFqdn(n.name(), List.of(n.address()));
                Identity id = engine.identityForAddress(n.address());
                yield new Resolved(id, null, n.name() + " -> " + n.address().getHostAddress() + " = " + describe(id));
            }
        };
    }

    private static String describe(Identity id) {
        return "identity " + IdentityNumbers.describe(id.id()) + " " + id.labels();
    }

    private TraceStep step(VerdictTable table, Direction d, Identity remote, Flow flow, String where) {
        VerdictTable.Lookup lookup = table.lookup(d, remote.id(), flow.protocol(), flow.port());
        Verdict v = lookup.verdict();
        List<String> rules = v.rules().stream().map(RuleRef::toString).toList();
        String remoteText = IdentityNumbers.describe(remote.id());
        if (lookup.byDefault()) {
            String why = table.enforced(d)
                    ? "no rule allows it and default deny is on (" + d.lower() + " is selected by " + rules.size() + " rule(s))"
                    : "no rule selects the endpoint for " + d.lower() + ": allowed by default";
            return new TraceStep(d.lower(), table.endpoint(), remoteText, table.enforced(d) ? "denied" : "allowed",
                    true, rules, null, null, null, where + ": " + why);
        }
        return switch (v.kind()) {
            case DENY -> new TraceStep(d.lower(), table.endpoint(), remoteText, "denied", false, rules, null, null, null,
                    where + ": " + (v.conflict() ? "the port carries L7 rules of different types; denied until that is resolved"
                            : "denied by rule"));
            case ALLOW -> new TraceStep(d.lower(), table.endpoint(), remoteText, "allowed", false, rules, null, null, null,
                    where + ": allowed by rule");
            case REDIRECT -> l7Step(d, table, remoteText, v, rules, flow.request(), where);
        };
    }

    private TraceStep l7Step(Direction d, VerdictTable table, String remote, Verdict v, List<String> rules,
                             L7Request request, String where) {
        if (request == null) {
            return new TraceStep(d.lower(), table.endpoint(), remote, "allowed", false, rules, v.l7Type(), null, null,
                    where + ": connection allowed, redirected to the " + v.l7Type() + " proxy; each request is checked "
                            + "against " + v.grants().size() + " rule(s) (give request fields to evaluate one)");
        }
        if (!request.type().equals(v.l7Type())) {
            return new TraceStep(d.lower(), table.endpoint(), remote, "denied", false, rules, v.l7Type(), false, List.of(),
                    where + ": the port is parsed as " + v.l7Type() + ", the request given is " + request.type());
        }
        TreeSet<String> matched = new TreeSet<>();
        for (L7Grant g : v.grants()) {
            if (L7RuleMatcher.matches(g.rule(), request)) matched.add(g.ref() + " {" + g.rule() + "}");
        }
        boolean ok = !matched.isEmpty();
        return new TraceStep(d.lower(), table.endpoint(), remote, ok ? "allowed" : "denied", false, rules, v.l7Type(), ok,
                List.copyOf(matched), where + (ok ? ": request admitted by the " : ": request matches none of the ")
                        + v.l7Type() + " rules");
    }
}
