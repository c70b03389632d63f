package dev.ward.policy.compute;

import dev.ward.policy.label.LabelSelector;
import dev.ward.policy.model.Action;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.IcmpField;
import dev.ward.policy.model.L7Rules;
import dev.ward.policy.model.Peer;
import dev.ward.policy.model.PeerRule;
import dev.ward.policy.model.PortProtocol;
import dev.ward.policy.model.PortRule;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.model.Rule;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Flattens the rules that select one endpoint into contributions: peers x protocols x port ranges. */
final class RuleCompiler {
    private RuleCompiler() {}

    private record L4(Protocol protocol, int low, int high, L7Rules l7) {}

    /** {@code host} is {@code ep.isHost()}, passed in: a policy change asks this of every endpoint. */
    static boolean selects(Rule rule, LocalEndpoint ep, boolean host) {
        // Host endpoints are only ever selected by nodeSelector, pods only by endpointSelector.
        return rule.subject().nodes() == host && rule.subject().selector().matches(ep.identity().labels());
    }

    /** The fromRequires / toRequires of every rule selecting the endpoint, per direction. */
    static Map<Direction, Set<LabelSelector>> requirements(List<Rule> selecting) {
        Map<Direction, Set<LabelSelector>> out = new EnumMap<>(Direction.class);
        for (Direction d : Direction.values()) out.put(d, new HashSet<>());
        for (Rule r : selecting) {
            for (PeerRule pr : r.peerRules()) out.get(pr.direction()).addAll(pr.requires());
        }
        return out;
    }

    static List<Contribution> compile(List<Rule> selecting, LocalEndpoint ep, Map<String, Set<NamedPort>> clusterNamedPorts) {
        Map<Direction, Set<LabelSelector>> requires = requirements(selecting);
        List<Contribution> out = new ArrayList<>();
        for (Rule r : selecting) {
            for (PeerRule pr : r.peerRules()) compile(pr, ep, clusterNamedPorts, requires.get(pr.direction()), out);
        }
        return out;
    }

    private static void compile(PeerRule pr, LocalEndpoint ep, Map<String, Set<NamedPort>> clusterNamedPorts,
                                Set<LabelSelector> requires, List<Contribution> out) {
        List<Peer> peers = pr.peers();
        if (peers.isEmpty()) {
            if (!pr.hasL4()) return;
            peers = List.of(new Peer.Any());
        }
        // Requirements narrow what an allow admits; a deny keeps its full reach.
        Set<LabelSelector> req = pr.action() == Action.ALLOW ? requires : Set.of();
        Map<String, Set<NamedPort>> named = pr.direction() == Direction.INGRESS ? ep.namedPorts() : clusterNamedPorts;
        List<L4> l4 = l4(pr, named);
        for (Peer peer : peers) {
            Selection s = new Selection(peer, req);
            for (L4 x : l4) {
                out.add(new Contribution(pr.direction(), pr.action(), s, x.protocol, x.low, x.high, x.l7, pr.ref()));
            }
        }
    }

    private static List<L4> l4(PeerRule pr, Map<String, Set<NamedPort>> named) {
        List<L4> out = new ArrayList<>();
        if (!pr.hasL4()) {
            for (Protocol p : Protocol.TABLE_PROTOCOLS) out.add(new L4(p, 0, 65535, null));
            return out;
        }
        for (PortRule rule : pr.toPorts()) {
            for (PortProtocol pp : rule.ports()) {
                if (pp.isNamed()) {
                    // A name no container declares resolves to nothing: it can never allow traffic.
                    for (NamedPort np : named.getOrDefault(pp.portName(), Set.of())) {
                        boolean protoOk = pp.protocol() == Protocol.ANY
                                ? Protocol.PORT_PROTOCOLS.contains(np.protocol()) : np.protocol() == pp.protocol();
                        if (protoOk) out.add(new L4(np.protocol(), np.port(), np.port(), rule.rules()));
                    }
                } else {
                    List<Protocol> protos = pp.protocol() == Protocol.ANY ? Protocol.PORT_PROTOCOLS : List.of(pp.protocol());
                    for (Protocol p : protos) out.add(new L4(p, pp.low(), pp.high(), rule.rules()));
                }
            }
        }
        for (IcmpField f : pr.icmps()) out.add(new L4(f.protocol(), f.type(), f.type(), null));
        return out;
    }
}
