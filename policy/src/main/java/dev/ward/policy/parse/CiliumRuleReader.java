package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ward.policy.label.LabelSelector;
import dev.ward.policy.label.LabelSource;
import dev.ward.policy.model.Action;
import dev.ward.policy.model.Cidr;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Entity;
import dev.ward.policy.model.FqdnPattern;
import dev.ward.policy.model.IcmpField;
import dev.ward.policy.model.Peer;
import dev.ward.policy.model.PeerRule;
import dev.ward.policy.model.PolicyKey;
import dev.ward.policy.model.PortRule;
import dev.ward.policy.model.Rule;
import dev.ward.policy.model.RuleRef;
import dev.ward.policy.model.Subject;

import java.util.ArrayList;
import java.util.List;

/** Reads one Cilium rule (a {@code spec}, an entry of {@code specs}, or an entry of a bare rule list). */
final class CiliumRuleReader {
    private final PolicyKey key;
    private final NamespaceScope scope;
    private final Problems p;

    CiliumRuleReader(PolicyKey key, NamespaceScope scope, Problems p) {
        this.key = key;
        this.scope = scope;
        this.p = p;
    }

    Rule read(JsonNode node, String path) {
        Fields f = Fields.of(node, path, p);
        if (f == null) return null;
        int before = p.errorCount();
        foldFlattenedSelector(f, "endpointSelector");
        foldFlattenedSelector(f, "nodeSelector");

        JsonNode es = f.take("endpointSelector");
        JsonNode ns = f.take("nodeSelector");
        Subject subject = null;
        if ((es == null) == (ns == null)) {
            p.error(path, "give exactly one of endpointSelector and nodeSelector");
        } else if (es != null) {
            LabelSelector sel = SelectorReader.read(es, f.child("endpointSelector"), p, LabelSource.ANY);
            if (sel != null) subject = new Subject(scope.subject(sel, f.child("endpointSelector"), p), false);
        } else {
            LabelSelector sel = SelectorReader.read(ns, f.child("nodeSelector"), p, LabelSource.ANY);
            if (sel != null) subject = new Subject(sel, true);
        }
        boolean subjectSelectsInit = subject != null
                && subject.selector().namesKey(LabelSource.RESERVED, "init");

        List<PeerRule> peerRules = new ArrayList<>();
        boolean ingressPresent = false;
        boolean egressPresent = false;
        for (Direction d : Direction.values()) {
            for (Action a : Action.values()) {
                String section = d.lower() + (a == Action.DENY ? "Deny" : "");
                JsonNode sectionNode = f.take(section);
                if (sectionNode == null) continue;
                if (d == Direction.INGRESS) ingressPresent = true;
                else egressPresent = true;
                // `egress:` with nothing under it is how Cilium's own example writes "deny all egress".
                List<JsonNode> items = Values.list(sectionNode, f.child(section), p, true);
                for (int i = 0; i < items.size(); i++) {
                    PeerRule pr = peerRule(items.get(i), f.child(section) + "[" + i + "]", d, a, subjectSelectsInit);
                    if (pr != null) peerRules.add(pr);
                }
            }
        }
        boolean defaultDenyIngress = true;
        boolean defaultDenyEgress = true;
        JsonNode edd = f.takeValue("enableDefaultDeny");
        if (edd != null) {
            Fields ef = Fields.of(edd, f.child("enableDefaultDeny"), p);
            if (ef != null) {
                JsonNode in = ef.takeValue("ingress");
                JsonNode eg = ef.takeValue("egress");
                ef.rejectUnknown();
                if (in != null) defaultDenyIngress = Boolean.TRUE.equals(Values.bool(in, ef.child("ingress"), p));
                if (eg != null) defaultDenyEgress = Boolean.TRUE.equals(Values.bool(eg, ef.child("egress"), p));
            }
        }
        String description = "";
        JsonNode desc = f.takeValue("description");
        if (desc != null) description = Values.string(desc, f.child("description"), p);
        JsonNode labels = f.take("labels");
        if (labels != null) RuleLabels.validate(labels, f.child("labels"), p);
        JsonNode log = f.take("log");
        if (log != null && !log.isNull() && !log.isObject()) p.error(f.child("log"), "must be a mapping");
        f.rejectUnknown();
        if (p.errorCount() > before || subject == null) return null;
        return new Rule(subject, peerRules, ingressPresent && defaultDenyIngress, egressPresent && defaultDenyEgress,
                description == null ? "" : description, new RuleRef(key, path));
    }

    /**
     * {@code endpointSelector:} left empty with {@code matchLabels:} beside it: the labels lost one indentation level.
     * The Kubernetes API would drop the null selector and the stray field, leaving no subject at all.
     */
    private void foldFlattenedSelector(Fields f, String field) {
        ObjectNode node = f.node();
        JsonNode sel = node.get(field);
        boolean flattened = node.has(field) && (sel == null || sel.isNull())
                && (node.has("matchLabels") || node.has("matchExpressions"));
        if (!flattened) return;
        List<String> stray = new ArrayList<>();
        for (String s : List.of("matchLabels", "matchExpressions")) if (node.has(s)) stray.add(s);
        p.repair(f.child(field), "is empty and followed by " + stray + " at the same indentation",
                "indent " + String.join(" and ", stray) + " under " + field, () -> {
                    ObjectNode moved = node.objectNode();
                    for (String s : stray) moved.set(s, node.remove(s));
                    node.set(field, moved);
                });
    }

    private PeerRule peerRule(JsonNode node, String path, Direction d, Action a, boolean subjectSelectsInit) {
        Fields f = Fields.of(node, path, p);
        if (f == null) return null;
        int before = p.errorCount();
        boolean ingress = d == Direction.INGRESS;
        String from = ingress ? "from" : "to";
        List<Peer> peers = new ArrayList<>();
        List<LabelSelector> requires = new ArrayList<>();

        for (LabelSelector s : selectors(f, from + "Endpoints")) {
            peers.add(new Peer.Endpoints(scope.peer(s, false, subjectSelectsInit)));
        }
        for (LabelSelector s : selectors(f, from + "Requires")) {
            requires.add(scope.peer(s, true, subjectSelectsInit));
        }
        for (LabelSelector s : selectors(f, from + "Nodes")) {
            peers.add(new Peer.Nodes(s));
        }
        JsonNode cidrs = f.take(from + "CIDR");
        List<String> cidrTexts = cidrs == null ? List.of() : Values.strings(cidrs, f.child(from + "CIDR"), p);
        for (int i = 0; i < cidrTexts.size(); i++) {
            Cidr c = cidr(cidrTexts.get(i), f.child(from + "CIDR") + "[" + i + "]");
            if (c != null) peers.add(new Peer.Cidrs(c, List.of()));
        }
        List<JsonNode> sets = Values.list(f.take(from + "CIDRSet"), f.child(from + "CIDRSet"), p, false);
        for (int i = 0; i < sets.size(); i++) {
            Peer.Cidrs c = cidrSet(sets.get(i), f.child(from + "CIDRSet") + "[" + i + "]");
            if (c != null) peers.add(c);
        }
        JsonNode entities = f.take(from + "Entities");
        List<String> entityTexts = entities == null ? List.of() : Values.strings(entities, f.child(from + "Entities"), p);
        for (int i = 0; i < entityTexts.size(); i++) {
            try {
                Entity e = Entity.parse(entityTexts.get(i));
                peers.add(e == Entity.ALL ? new Peer.Any() : new Peer.Entities(e));
            } catch (IllegalArgumentException ex) {
                p.error(f.child(from + "Entities") + "[" + i + "]", ex.getMessage());
            }
        }
        if (f.has(from + "Groups")) {
            f.take(from + "Groups");
            p.error(f.child(from + "Groups"), "cloud-provider groups are not supported by Ward; use " + from + "CIDRSet");
        }
        if (!ingress) {
            List<JsonNode> services = Values.list(f.take("toServices"), f.child("toServices"), p, false);
            for (int i = 0; i < services.size(); i++) {
                Peer.Service s = service(services.get(i), f.child("toServices") + "[" + i + "]");
                if (s != null) peers.add(s);
            }
            JsonNode fq = f.take("toFQDNs");
            if (fq != null && a == Action.DENY) {
                p.error(f.child("toFQDNs"), "is not allowed in egressDeny: a DNS name's addresses are only known "
                        + "after a lookup, so a deny by name could not hold for connections made earlier");
            } else {
                List<JsonNode> fqdns = Values.list(fq, f.child("toFQDNs"), p, false);
                for (int i = 0; i < fqdns.size(); i++) {
                    FqdnPattern fp = FqdnReader.read(fqdns.get(i), f.child("toFQDNs") + "[" + i + "]", p);
                    if (fp != null) peers.add(new Peer.Fqdn(fp));
                }
            }
        }
        List<PortRule> toPorts = PortReader.toPorts(f.take("toPorts"), f.child("toPorts"), p, a == Action.DENY, ingress);
        List<IcmpField> icmps = PortReader.icmps(f.take("icmps"), f.child("icmps"), p);
        if (f.has("authentication") && a == Action.ALLOW) {
            f.take("authentication");
            p.error(f.child("authentication"), "is not supported: Ward authenticates every node with its SVID and "
                    + "encrypts pod traffic between nodes; remove the field");
        }
        f.rejectUnknown();
        if (p.errorCount() > before) return null;
        return new PeerRule(d, a, peers, requires, toPorts, icmps, new RuleRef(key, path));
    }

    private List<LabelSelector> selectors(Fields f, String field) {
        JsonNode v = f.take(field);
        if (v == null) return List.of();
        if (v.isNull()) {
            p.error(f.child(field), "is null; write '- {}' to select all endpoints, or remove the field");
            return List.of();
        }
        List<LabelSelector> out = new ArrayList<>();
        List<JsonNode> items = Values.list(v, f.child(field), p, false);
        for (int i = 0; i < items.size(); i++) {
            LabelSelector s = SelectorReader.read(items.get(i), f.child(field) + "[" + i + "]", p, LabelSource.ANY);
            if (s != null) out.add(s);
        }
        return out;
    }

    private Cidr cidr(String text, String path) {
        try {
            Cidr c = Cidr.parse(text);
            if (Cidr.hasHostBits(text)) p.warn(path, "'" + text + "' has host bits set; read as " + c);
            return c;
        } catch (IllegalArgumentException e) {
            p.error(path, e.getMessage());
            return null;
        }
    }

    private Peer.Cidrs cidrSet(JsonNode node, String path) {
        Fields f = Fields.of(node, path, p);
        if (f == null) return null;
        JsonNode c = f.takeValue("cidr");
        JsonNode except = f.take("except");
        for (String unsupported : List.of("cidrGroupRef", "cidrGroupSelector")) {
            if (f.has(unsupported)) {
                f.take(unsupported);
                p.error(f.child(unsupported), "CiliumCIDRGroup references are not supported; list the prefixes in cidr");
            }
        }
        f.rejectUnknown();
        if (c == null) {
            p.error(f.child("cidr"), "is required");
            return null;
        }
        String text = Values.string(c, f.child("cidr"), p);
        Cidr cidr = text == null ? null : cidr(text, f.child("cidr"));
        List<Cidr> excepts = new ArrayList<>();
        List<String> exceptTexts = except == null ? List.of() : Values.strings(except, f.child("except"), p);
        for (int i = 0; i < exceptTexts.size(); i++) {
            Cidr e = cidr(exceptTexts.get(i), f.child("except") + "[" + i + "]");
            if (e == null) continue;
            if (cidr != null && !cidr.contains(e)) {
                p.error(f.child("except") + "[" + i + "]", e + " is not inside " + cidr);
                continue;
            }
            excepts.add(e);
        }
        return cidr == null ? null : new Peer.Cidrs(cidr, excepts);
    }

    private Peer.Service service(JsonNode node, String path) {
        Fields f = Fields.of(node, path, p);
        if (f == null) return null;
        JsonNode byName = f.takeValue("k8sService");
        JsonNode bySelector = f.takeValue("k8sServiceSelector");
        f.rejectUnknown();
        if ((byName == null) == (bySelector == null)) {
            p.error(path, "give exactly one of k8sService and k8sServiceSelector");
            return null;
        }
        String defaultNs = scope.namespace();
        if (byName != null) {
            Fields sf = Fields.of(byName, f.child("k8sService"), p);
            if (sf == null) return null;
            String name = Values.string(sf.take("serviceName"), sf.child("serviceName"), p);
            JsonNode nsNode = sf.takeValue("namespace");
            String ns = nsNode == null ? defaultNs : Values.string(nsNode, sf.child("namespace"), p);
            sf.rejectUnknown();
            if (name == null) return null;
            if (ns == null || ns.isEmpty()) {
                p.error(sf.child("namespace"), "is required in a policy without a namespace");
                return null;
            }
            return new Peer.Service(ns, name, null);
        }
        Fields sf = Fields.of(bySelector, f.child("k8sServiceSelector"), p);
        if (sf == null) return null;
        LabelSelector sel = SelectorReader.read(sf.take("selector"), sf.child("selector"), p, LabelSource.ANY);
        JsonNode nsNode = sf.takeValue("namespace");
        String ns = nsNode == null ? (defaultNs.isEmpty() ? null : defaultNs) : Values.string(nsNode, sf.child("namespace"), p);
        sf.rejectUnknown();
        return sel == null ? null : new Peer.Service(ns, null, sel);
    }
}
