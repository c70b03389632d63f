package dev.ward.policy.compute;

import dev.ward.policy.identity.Identity;
import dev.ward.policy.label.Label;
import dev.ward.policy.label.LabelSelector;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.label.Requirement;
import dev.ward.policy.label.SelectorKey;
import dev.ward.policy.model.Action;
import dev.ward.policy.model.Cidr;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Entity;
import dev.ward.policy.model.FqdnPattern;
import dev.ward.policy.model.IcmpField;
import dev.ward.policy.model.L7Rules;
import dev.ward.policy.model.Peer;
import dev.ward.policy.model.PeerRule;
import dev.ward.policy.model.Policy;
import dev.ward.policy.model.PolicyKey;
import dev.ward.policy.model.PortProtocol;
import dev.ward.policy.model.PortRule;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.model.Rule;
import dev.ward.policy.model.RuleRef;
import dev.ward.policy.model.Subject;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Random policies, identities, endpoints and DNS answers over a small label universe, so that random rules often
 * select the same endpoints and peers and interact (overlapping ports, allows and denies, L7 on the same port).
 */
final class RandomPolicies {
    static final String[] KEYS = {"app", "role", "env"};
    static final String[] VALUES = {"a", "b", "c"};
    static final String[] NAMESPACES = {"default", "prod"};
    static final String[] NAMES = {"api.example.com", "www.example.com", "db.internal.net", "x.y.example.com"};
    static final String[] PATTERNS = {"*.example.com", "api.example.com", "**.net", "*"};
    static final int[] PORTS = {53, 80, 443, 8080, 9092};

    private final Random r;

    RandomPolicies(long seed) {
        this.r = new Random(seed);
    }

    Random random() {
        return r;
    }

    LabelSet workloadLabels() {
        List<Label> ls = new ArrayList<>();
        ls.add(Label.k8s("io.kubernetes.pod.namespace", pick(NAMESPACES)));
        ls.add(Label.k8s("io.cilium.k8s.policy.cluster", "default"));
        for (String k : KEYS) if (r.nextInt(3) > 0) ls.add(Label.k8s(k, pick(VALUES)));
        return LabelSet.of(ls);
    }

    Identity identity(int id) {
        return Identity.of(id, workloadLabels());
    }

    LocalEndpoint endpoint(String name, int id) {
        return new LocalEndpoint(name, identity(id), Map.of("http", Set.of(new NamedPort(8080, Protocol.TCP))));
    }

    LabelSelector selector(String namespace) {
        List<Requirement> reqs = new ArrayList<>();
        for (String k : KEYS) {
            int c = r.nextInt(6);
            if (c == 0) reqs.add(Requirement.equalTo(new SelectorKey("any", k), pick(VALUES)));
            if (c == 1) reqs.add(new Requirement(new SelectorKey("k8s", k), Requirement.Operator.NOT_IN, Set.of(pick(VALUES))));
        }
        if (namespace != null) reqs.add(Requirement.equalTo(new SelectorKey("k8s", "io.kubernetes.pod.namespace"), namespace));
        return LabelSelector.of(reqs);
    }

    Peer peer(Direction d) {
        return switch (r.nextInt(8)) {
            case 0, 1, 2 -> new Peer.Endpoints(selector(r.nextBoolean() ? pick(NAMESPACES) : null));
            case 3 -> new Peer.Entities(pick(new Entity[] {Entity.WORLD, Entity.HOST, Entity.CLUSTER, Entity.REMOTE_NODE}));
            case 4 -> new Peer.Any();
            case 5 -> r.nextBoolean() ? new Peer.Cidrs(Cidr.parse("10.0.0.0/8"), List.of(Cidr.parse("10.1.0.0/16")))
                    : new Peer.Cidrs(Cidr.parse("192.0.2." + r.nextInt(4) + "/32"), List.of());
            case 6 -> d == Direction.EGRESS ? new Peer.Fqdn(FqdnPattern.matchPattern(pick(PATTERNS)))
                    : new Peer.Entities(Entity.WORLD);
            default -> new Peer.Nodes(LabelSelector.ALL);
        };
    }

    PortProtocol port() {
        return switch (r.nextInt(7)) {
            case 0 -> PortProtocol.number(0, 0, Protocol.ANY);
            case 1 -> PortProtocol.number(8000, 8100, Protocol.TCP);
            case 2 -> PortProtocol.named("http", Protocol.TCP);
            case 3 -> PortProtocol.number(53, 0, Protocol.UDP);
            default -> PortProtocol.number(PORTS[r.nextInt(PORTS.length)], 0, r.nextInt(4) == 0 ? Protocol.ANY : Protocol.TCP);
        };
    }

    L7Rules http() {
        return new L7Rules.Http(List.of(L7Rules.HttpRule.of(pick(new String[] {"GET", "POST", ""}), "/" + pick(VALUES), "", List.of())));
    }

    PeerRule peerRule(Direction d, Action a, PolicyKey key, String path, boolean allowL7) {
        List<Peer> peers = new ArrayList<>();
        int n = r.nextInt(3);
        for (int i = 0; i < n; i++) peers.add(peer(d));
        List<PortRule> ports = new ArrayList<>();
        List<IcmpField> icmps = new ArrayList<>();
        int kind = r.nextInt(5);
        if (kind == 0 || (peers.isEmpty() && kind > 2)) {
            icmps.add(new IcmpField(false, 8));
        } else if (kind >= 2) {
            PortProtocol pp = port();
            boolean single = !pp.isNamed() && pp.port() != 0 && (pp.endPort() == 0 || pp.endPort() == pp.port());
            L7Rules l7 = a == Action.ALLOW && allowL7 && single && pp.protocol() == Protocol.TCP && r.nextInt(3) == 0 ? http() : null;
            ports.add(new PortRule(List.of(pp), l7));
        }
        List<LabelSelector> requires = a == Action.ALLOW && r.nextInt(12) == 0 ? List.of(selector(null)) : List.of();
        return new PeerRule(d, a, peers, requires, ports, icmps, new RuleRef(key, path));
    }

    Policy policy(String name) {
        String ns = pick(NAMESPACES);
        PolicyKey key = new PolicyKey(PolicyKey.CNP, ns, name);
        return policy(key, true);
    }

    Policy policy(PolicyKey key, boolean allowDeny) {
        List<Rule> rules = new ArrayList<>();
        int nrules = 1 + r.nextInt(2);
        for (int i = 0; i < nrules; i++) {
            List<PeerRule> prs = new ArrayList<>();
            boolean in = false;
            boolean eg = false;
            int nsections = 1 + r.nextInt(3);
            for (int j = 0; j < nsections; j++) {
                Direction d = r.nextBoolean() ? Direction.INGRESS : Direction.EGRESS;
                Action a = allowDeny && r.nextInt(4) == 0 ? Action.DENY : Action.ALLOW;
                prs.add(peerRule(d, a, key, "specs[" + i + "]." + d.lower() + (a == Action.DENY ? "Deny" : "") + "[" + j + "]", true));
                if (d == Direction.INGRESS) in = true;
                else eg = true;
            }
            Subject subject = r.nextInt(10) == 0 ? new Subject(LabelSelector.ALL, true) : new Subject(selector(key.namespace()), false);
            rules.add(new Rule(subject, prs, in && r.nextInt(8) > 0, eg && r.nextInt(8) > 0, "", new RuleRef(key, "specs[" + i + "]")));
        }
        return new Policy(key, rules, List.of());
    }

    InetAddress address() {
        try {
            int kind = r.nextInt(3);
            byte[] b = kind == 0 ? new byte[] {10, (byte) r.nextInt(3), 0, (byte) (1 + r.nextInt(3))}
                    : kind == 1 ? new byte[] {(byte) 192, 0, 2, (byte) r.nextInt(4)}
                    : new byte[] {(byte) 198, 51, 100, (byte) (1 + r.nextInt(5))};
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    <T> T pick(T[] a) {
        return a[r.nextInt(a.length)];
    }
}
