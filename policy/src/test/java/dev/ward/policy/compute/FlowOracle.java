package dev.ward.policy.compute;

import dev.ward.policy.identity.Identity;
import dev.ward.policy.label.LabelSelector;
import dev.ward.policy.model.Action;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.IcmpField;
import dev.ward.policy.model.L7Rules;
import dev.ward.policy.model.Peer;
import dev.ward.policy.model.PeerRule;
import dev.ward.policy.model.Policy;
import dev.ward.policy.model.PortProtocol;
import dev.ward.policy.model.PortRule;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.model.Rule;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The policy semantics written as directly as possible, one flow at a time, with none of the engine's
 * flattening, caching or row splitting: the reference the verdict tables are checked against.
 */
final class FlowOracle {
    record Expected(Verdict.Kind kind, Set<Object> grants) {}

    private final PeerMatcher matcher;
    private final Map<String, Set<NamedPort>> clusterNamedPorts;

    FlowOracle(String clusterName, Map<String, Set<NamedPort>> clusterNamedPorts) {
        this.matcher = new PeerMatcher(clusterName, Map.of());
        this.clusterNamedPorts = clusterNamedPorts;
    }

    Expected decide(Collection<Policy> policies, LocalEndpoint ep, Direction d, Identity remote, Protocol proto, int port) {
        List<Rule> selecting = new ArrayList<>();
        for (Policy p : policies) {
            for (Rule r : p.rules()) {
                boolean host = ep.isHost();
                if (r.subject().nodes() == host && r.subject().selector().matches(ep.identity().labels())) selecting.add(r);
            }
        }
        Set<LabelSelector> requires = new HashSet<>();
        boolean enforced = false;
        for (Rule r : selecting) {
            if (r.enforces(d)) enforced = true;
            for (PeerRule pr : r.peerRules()) if (pr.direction() == d) requires.addAll(pr.requires());
        }
        boolean deny = false;
        boolean plain = false;
        Set<String> l7TypesHere = new TreeSet<>();
        Set<String> l7TypesOnPort = new TreeSet<>();
        Set<Object> grants = new HashSet<>();
        for (Rule r : selecting) {
            for (PeerRule pr : r.peerRules()) {
                if (pr.direction() != d) continue;
                List<L7Rules> l4 = l4Matches(pr, ep, proto, port);
                if (l4.isEmpty()) continue;
                for (L7Rules l7 : l4) if (l7 != NO_L7 && pr.action() == Action.ALLOW) l7TypesOnPort.add(l7.type());
                if (!peerMatches(pr, remote, pr.action() == Action.ALLOW ? requires : Set.of())) continue;
                for (L7Rules l7 : l4) {
                    if (pr.action() == Action.DENY) deny = true;
                    else if (l7 == NO_L7) plain = true;
                    else {
                        l7TypesHere.add(l7.type());
                        for (Object g : l7.rules()) grants.add(new L7Grant(g, pr.ref()));
                    }
                }
            }
        }
        if (deny) return new Expected(Verdict.Kind.DENY, Set.of());
        if (plain) return new Expected(Verdict.Kind.ALLOW, Set.of());
        if (!l7TypesHere.isEmpty()) {
            if (l7TypesOnPort.size() > 1) return new Expected(Verdict.Kind.DENY, Set.of());
            return new Expected(Verdict.Kind.REDIRECT, grants);
        }
        return new Expected(enforced ? Verdict.Kind.DENY : Verdict.Kind.ALLOW, Set.of());
    }

    private static final L7Rules NO_L7 = new L7Rules.Http(List.of());

    private boolean peerMatches(PeerRule pr, Identity remote, Set<LabelSelector> requires) {
        List<Peer> peers = pr.peers().isEmpty() ? List.of(new Peer.Any()) : pr.peers();
        for (Peer p : peers) {
            boolean ok = remote == null ? p instanceof Peer.Any && requires.isEmpty() : matcher.matches(p, remote);
            if (ok && remote != null) for (LabelSelector s : requires) ok &= s.matches(remote.labels());
            if (ok) return true;
        }
        return false;
    }

    /** The L7 rules (or NO_L7) of each part of the rule section that covers this protocol and port. */
    private List<L7Rules> l4Matches(PeerRule pr, LocalEndpoint ep, Protocol proto, int port) {
        List<L7Rules> out = new ArrayList<>();
        if (pr.peers().isEmpty() && !pr.hasL4()) return out;
        if (!pr.hasL4()) {
            out.add(NO_L7);
            return out;
        }
        Map<String, Set<NamedPort>> named = pr.direction() == Direction.INGRESS ? ep.namedPorts() : clusterNamedPorts;
        for (PortRule rule : pr.toPorts()) {
            for (PortProtocol pp : rule.ports()) {
                boolean hit;
                if (pp.isNamed()) {
                    hit = false;
                    for (NamedPort np : named.getOrDefault(pp.portName(), Set.of())) {
                        boolean protoOk = pp.protocol() == Protocol.ANY ? Protocol.PORT_PROTOCOLS.contains(np.protocol())
                                : pp.protocol() == np.protocol();
                        hit |= protoOk && np.protocol() == proto && np.port() == port;
                    }
                } else {
                    boolean protoOk = pp.protocol() == Protocol.ANY ? Protocol.PORT_PROTOCOLS.contains(proto) : pp.protocol() == proto;
                    hit = protoOk && port >= pp.low() && port <= pp.high();
                }
                if (hit) out.add(rule.rules() == null ? NO_L7 : rule.rules());
            }
        }
        for (IcmpField f : pr.icmps()) if (f.protocol() == proto && f.type() == port) out.add(NO_L7);
        return out;
    }
}
