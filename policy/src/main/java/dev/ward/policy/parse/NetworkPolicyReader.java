package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ward.policy.label.LabelSelector;
import dev.ward.policy.label.LabelSource;
import dev.ward.policy.label.Requirement;
import dev.ward.policy.label.SelectorKey;
import dev.ward.policy.model.Action;
import dev.ward.policy.model.Cidr;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Peer;
import dev.ward.policy.model.PeerRule;
import dev.ward.policy.model.PolicyKey;
import dev.ward.policy.model.PortProtocol;
import dev.ward.policy.model.PortRule;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.model.Rule;
import dev.ward.policy.model.RuleRef;
import dev.ward.policy.model.Subject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Translates a Kubernetes {@code networking.k8s.io/v1} NetworkPolicy into one rule with the Kubernetes semantics:
 * isolation per policy type, {@code from}/{@code to} peers ORed, {@code podSelector} and {@code namespaceSelector}
 * in one peer ANDed, a missing peer list meaning every source, a missing port list meaning every port.
 */
final class NetworkPolicyReader {

    private NetworkPolicyReader() {}

    static Rule read(JsonNode specNode, String path, PolicyKey key, Problems p) {
        Fields f = Fields.of(specNode, path, p);
        if (f == null) return null;
        int before = p.errorCount();
        String ns = key.namespace();
        JsonNode podSelNode = f.take("podSelector");
        LabelSelector podSel = null;
        if (podSelNode == null) {
            p.error(f.child("podSelector"), "is required (write {} to select every pod in the namespace)");
        } else {
            podSel = SelectorReader.read(podSelNode, f.child("podSelector"), p, LabelSource.K8S);
        }
        JsonNode ingressNode = f.take("ingress");
        JsonNode egressNode = f.take("egress");
        JsonNode typesNode = f.take("policyTypes");
        boolean ingressIsolated;
        boolean egressIsolated;
        if (typesNode == null || typesNode.isNull()) {
            // Kubernetes' defaulting: Ingress always, Egress when the policy has egress rules.
            ingressIsolated = true;
            egressIsolated = egressNode != null && !egressNode.isNull();
        } else {
            ingressIsolated = false;
            egressIsolated = false;
            List<String> types = Values.strings(typesNode, f.child("policyTypes"), p);
            for (int i = 0; i < types.size(); i++) {
                switch (types.get(i)) {
                    case "Ingress" -> ingressIsolated = true;
                    case "Egress" -> egressIsolated = true;
                    default -> p.error(f.child("policyTypes") + "[" + i + "]", "must be Ingress or Egress, not '" + types.get(i) + "'");
                }
            }
        }
        List<PeerRule> rules = new ArrayList<>();
        readSection(ingressNode, f.child("ingress"), Direction.INGRESS, key, ns, p, rules);
        readSection(egressNode, f.child("egress"), Direction.EGRESS, key, ns, p, rules);
        if (!ingressIsolated && ingressNode != null && !Values.list(ingressNode, "", new Problems(), true).isEmpty()) {
            p.warn(f.child("ingress"), "has rules but policyTypes does not list Ingress: the rules have no effect");
        }
        if (!egressIsolated && egressNode != null && !Values.list(egressNode, "", new Problems(), true).isEmpty()) {
            p.warn(f.child("egress"), "has rules but policyTypes does not list Egress: the rules have no effect");
        }
        f.rejectUnknown();
        if (p.errorCount() > before || podSel == null) return null;
        if (!ingressIsolated) rules.removeIf(r -> r.direction() == Direction.INGRESS);
        if (!egressIsolated) rules.removeIf(r -> r.direction() == Direction.EGRESS);
        Subject subject = new Subject(podSel.and(Requirement.equalTo(NamespaceScope.POD_NAMESPACE_KEY, ns)), false);
        return new Rule(subject, rules, ingressIsolated, egressIsolated, "", new RuleRef(key, path));
    }

    private static void readSection(JsonNode node, String path, Direction d, PolicyKey key, String ns, Problems p,
                                    List<PeerRule> out) {
        List<JsonNode> items = Values.list(node, path, p, true);
        String peersField = d == Direction.INGRESS ? "from" : "to";
        for (int i = 0; i < items.size(); i++) {
            String ip = path + "[" + i + "]";
            Fields f = Fields.of(items.get(i), ip, p);
            if (f == null) continue;
            int before = p.errorCount();
            JsonNode peersNode = f.take(peersField);
            List<JsonNode> peerItems = Values.list(peersNode, f.child(peersField), p, true);
            List<Peer> peers = new ArrayList<>();
            for (int j = 0; j < peerItems.size(); j++) {
                Peer peer = peer(peerItems.get(j), f.child(peersField) + "[" + j + "]", ns, p);
                if (peer != null) peers.add(peer);
            }
            if (peerItems.isEmpty()) peers.add(new Peer.Any());
            List<PortProtocol> ports = new ArrayList<>();
            List<JsonNode> portItems = Values.list(f.take("ports"), f.child("ports"), p, true);
            for (int j = 0; j < portItems.size(); j++) {
                PortProtocol pp = port(portItems.get(j), f.child("ports") + "[" + j + "]", p);
                if (pp != null) ports.add(pp);
            }
            f.rejectUnknown();
            if (p.errorCount() > before) continue;
            List<PortRule> toPorts = ports.isEmpty() ? List.of() : List.of(new PortRule(ports, null));
            out.add(new PeerRule(d, Action.ALLOW, peers, List.of(), toPorts, List.of(), new RuleRef(key, ip)));
        }
    }

    private static Peer peer(JsonNode node, String path, String ns, Problems p) {
        Fields f = Fields.of(node, path, p);
        if (f == null) return null;
        JsonNode podNode = f.take("podSelector");
        JsonNode nsNode = f.take("namespaceSelector");
        JsonNode ipNode = f.take("ipBlock");
        f.rejectUnknown();
        if (ipNode != null) {
            if (podNode != null || nsNode != null) {
                p.error(path, "ipBlock cannot be combined with podSelector or namespaceSelector in one peer");
                return null;
            }
            return ipBlock(ipNode, f.child("ipBlock"), p);
        }
        if (podNode == null && nsNode == null) {
            p.error(path, "needs podSelector, namespaceSelector or ipBlock");
            return null;
        }
        LabelSelector sel = LabelSelector.ALL;
        if (podNode != null) {
            LabelSelector pod = SelectorReader.read(podNode, f.child("podSelector"), p, LabelSource.K8S);
            if (pod == null) return null;
            sel = pod;
        }
        if (nsNode == null) {
            return new Peer.Endpoints(sel.and(Requirement.equalTo(NamespaceScope.POD_NAMESPACE_KEY, ns)));
        }
        LabelSelector nsSel = SelectorReader.read(nsNode, f.child("namespaceSelector"), p, LabelSource.K8S);
        if (nsSel == null) return null;
        // Namespace labels reach the pod's identity as io.cilium.k8s.namespace.labels.<key>; "{}" means every namespace.
        List<Requirement> terms = new ArrayList<>(sel.requirements());
        terms.add(Requirement.exists(NamespaceScope.POD_NAMESPACE_KEY));
        for (Requirement r : nsSel.requirements()) {
            SelectorKey k = new SelectorKey(LabelSource.K8S, NamespaceScope.NAMESPACE_LABELS_PREFIX + r.key().key());
            terms.add(new Requirement(k, r.operator(), Set.copyOf(r.values())));
        }
        return new Peer.Endpoints(LabelSelector.of(terms));
    }

    private static Peer ipBlock(JsonNode node, String path, Problems p) {
        Fields f = Fields.of(node, path, p);
        if (f == null) return null;
        String cidrText = Values.string(f.take("cidr"), f.child("cidr"), p);
        JsonNode exceptNode = f.take("except");
        f.rejectUnknown();
        if (cidrText == null) return null;
        Cidr cidr;
        try {
            cidr = Cidr.parse(cidrText);
            if (!cidrText.contains("/")) {
                p.error(f.child("cidr"), "'" + cidrText + "' needs a prefix length (e.g. " + cidrText + "/32)");
                return null;
            }
        } catch (IllegalArgumentException e) {
            p.error(f.child("cidr"), e.getMessage());
            return null;
        }
        List<Cidr> excepts = new ArrayList<>();
        List<String> ex = exceptNode == null ? List.of() : Values.strings(exceptNode, f.child("except"), p);
        for (int i = 0; i < ex.size(); i++) {
            try {
                Cidr e = Cidr.parse(ex.get(i));
                if (!cidr.contains(e) || e.equals(cidr)) {
                    p.error(f.child("except") + "[" + i + "]", e + " must be a strict subset of " + cidr);
                    continue;
                }
                excepts.add(e);
            } catch (IllegalArgumentException e) {
                p.error(f.child("except") + "[" + i + "]", e.getMessage());
            }
        }
        return new Peer.Cidrs(cidr, excepts);
    }

    private static PortProtocol port(JsonNode node, String path, Problems p) {
        Fields f = Fields.of(node, path, p);
        if (f == null) return null;
        JsonNode protoNode = f.takeValue("protocol");
        JsonNode portNode = f.takeValue("port");
        JsonNode endNode = f.takeValue("endPort");
        f.rejectUnknown();
        Protocol proto = Protocol.TCP;
        if (protoNode != null) {
            String s = Values.string(protoNode, f.child("protocol"), p);
            if (s == null) return null;
            switch (s) {
                case "TCP" -> proto = Protocol.TCP;
                case "UDP" -> proto = Protocol.UDP;
                case "SCTP" -> proto = Protocol.SCTP;
                default -> {
                    p.error(f.child("protocol"), "must be TCP, UDP or SCTP, not '" + s + "'");
                    return null;
                }
            }
        }
        if (portNode == null) {
            if (endNode != null) p.error(f.child("endPort"), "needs port");
            // A protocol without a port matches every port of that protocol.
            return PortProtocol.number(0, 0, proto);
        }
        if (portNode.isIntegralNumber()) {
            Integer port = Values.integer(portNode, f.child("port"), p, 1, 65535);
            Integer end = endNode == null ? 0 : Values.integer(endNode, f.child("endPort"), p, 1, 65535);
            if (port == null || end == null) return null;
            if (end != 0 && end < port) {
                p.error(f.child("endPort"), "must be at least port (" + port + "), not " + end);
                return null;
            }
            return PortProtocol.number(port, end, proto);
        }
        String name = Values.string(portNode, f.child("port"), p);
        if (name == null) return null;
        if (endNode != null) {
            p.error(f.child("endPort"), "cannot be used with a named port");
            return null;
        }
        if (name.matches("\\d+")) {
            p.error(f.child("port"), "'" + name + "' is a number written as a string; Kubernetes reads strings as port names");
            return null;
        }
        if (!PortProtocol.isValidName(name)) {
            p.error(f.child("port"), "'" + name + "' is not a valid port name");
            return null;
        }
        return PortProtocol.named(name, proto);
    }
}
