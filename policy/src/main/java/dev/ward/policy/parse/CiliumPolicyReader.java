package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ward.policy.model.PolicyKey;
import dev.ward.policy.model.Rule;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy object: apiVersion, metadata, and its rules in
 * {@code spec} and/or {@code specs}. A top-level {@code description} is Cilium's own examples' convention (its CRD
 * keeps it) and is each rule's description unless the rule has one.
 */
final class CiliumPolicyReader {
    private static final List<String> RULE_FIELDS = List.of("endpointSelector", "nodeSelector", "ingress",
            "ingressDeny", "egress", "egressDeny", "enableDefaultDeny", "labels");

    private CiliumPolicyReader() {}

    /** The rules read (empty when invalid), with the key; null key when the metadata is invalid. */
    record Read(PolicyKey key, List<Rule> rules) {}

    static Read read(ObjectNode obj, String path, String kind, Problems p, String defaultNamespace) {
        repairFlattenedTopLevel(obj, path, p);
        repairMetadataDescription(obj, path, p);
        Fields f = Fields.of(obj, path, p);
        f.take("kind");
        JsonNode version = f.takeValue("apiVersion");
        String apiVersion = version == null ? "" : version.asText();
        if (apiVersion.equals("cilium.io/v1")) {
            p.repair(f.child("apiVersion"), "cilium.io/v1 is long retired (no Cilium serves it)",
                    "write cilium.io/v2 (the same rule format)", () -> obj.set("apiVersion", new TextNode("cilium.io/v2")));
        } else if (!apiVersion.equals("cilium.io/v2")) {
            p.error(f.child("apiVersion"), "must be cilium.io/v2 for " + kind + ", not '" + apiVersion + "'");
        }
        boolean clusterwide = kind.equals(PolicyKey.CCNP);
        ObjectMeta meta = ObjectMeta.read(f, p, clusterwide, defaultNamespace);
        String description = null;
        JsonNode desc = f.takeValue("description");
        if (desc != null) description = Values.string(desc, f.child("description"), p);
        f.ignore("status");
        JsonNode spec = f.take("spec");
        JsonNode specs = f.take("specs");
        f.rejectUnknown();
        if (meta == null) return new Read(null, List.of());
        PolicyKey key = new PolicyKey(kind, clusterwide ? "" : meta.namespace(), meta.name());
        NamespaceScope scope = clusterwide ? NamespaceScope.clusterwide() : NamespaceScope.namespaced(meta.namespace());
        CiliumRuleReader reader = new CiliumRuleReader(key, scope, p);
        List<Rule> rules = new ArrayList<>();
        if (spec == null && specs == null) p.error(path, "needs spec or specs");
        if (spec != null) {
            if (spec.isNull()) p.error(f.child("spec"), "is null");
            else {
                Rule r = reader.read(spec, f.child("spec"));
                if (r != null) rules.add(r);
            }
        }
        if (specs != null) {
            List<JsonNode> items = Values.list(specs, f.child("specs"), p, false);
            if (items.isEmpty() && specs.isArray()) p.error(f.child("specs"), "is empty");
            for (int i = 0; i < items.size(); i++) {
                Rule r = reader.read(items.get(i), f.child("specs") + "[" + i + "]");
                if (r != null) rules.add(r);
            }
        }
        if (description == null) return new Read(key, rules);
        List<Rule> described = new ArrayList<>();
        for (Rule r : rules) {
            described.add(r.description().isEmpty()
                    ? new Rule(r.subject(), r.peerRules(), r.enforcesIngress(), r.enforcesEgress(), description, r.ref()) : r);
        }
        return new Read(key, described);
    }

    /**
     * A post that lost one indentation level prints {@code metadata:} empty with {@code name:} beside it, and a
     * one-entry {@code specs} whose {@code ingress} ended up at the top. The Kubernetes API would refuse the first
     * (no name) and drop the second (an unknown top-level field), taking the rules with it.
     */
    private static void repairFlattenedTopLevel(ObjectNode obj, String path, Problems p) {
        String prefix = path.isEmpty() ? "" : path + ".";
        if (obj.has("metadata") && obj.get("metadata").isNull() && (obj.has("name") || obj.has("namespace"))) {
            List<String> moved = new ArrayList<>();
            for (String k : List.of("name", "namespace")) if (obj.has(k)) moved.add(k);
            p.repair(prefix + "metadata", "is empty and followed by " + moved + " at the same indentation",
                    "indent " + String.join(" and ", moved) + " under metadata", () -> {
                        ObjectNode meta = obj.objectNode();
                        for (String k : moved) meta.set(k, obj.remove(k));
                        obj.set("metadata", meta);
                    });
        }
        List<String> stray = new ArrayList<>();
        for (String k : RULE_FIELDS) if (obj.has(k)) stray.add(k);
        if (stray.isEmpty()) return;
        String targetPath;
        if (obj.get("specs") instanceof ArrayNode specs && specs.size() == 1 && specs.get(0) instanceof ObjectNode
                && !obj.has("spec")) {
            targetPath = "specs[0]";
        } else if (obj.has("spec") && (obj.get("spec") instanceof ObjectNode || obj.get("spec").isNull())) {
            targetPath = "spec";
        } else {
            return;
        }
        ObjectNode existing = targetPath.equals("spec") ? (obj.get("spec") instanceof ObjectNode o ? o : null)
                : (ObjectNode) obj.get("specs").get(0);
        // A field also present where it would go has no single meaning: leave both to be reported as they are.
        for (String k : stray) if (existing != null && existing.has(k)) return;
        p.repair(prefix + targetPath, "fields " + stray + " appear at the top level of the document",
                "indent them under " + targetPath, () -> {
                    ObjectNode target = existing;
                    if (target == null) {
                        target = obj.objectNode();
                        obj.set("spec", target);
                    }
                    for (String k : stray) target.set(k, obj.remove(k));
                });
    }

    /** Kubernetes metadata has no {@code description}: the API server drops it. The rule's own place is spec.description. */
    private static void repairMetadataDescription(ObjectNode obj, String path, Problems p) {
        if (!(obj.get("metadata") instanceof ObjectNode meta) || !meta.has("description")) return;
        String prefix = path.isEmpty() ? "" : path + ".";
        List<ObjectNode> targets = new ArrayList<>();
        if (obj.get("spec") instanceof ObjectNode s) targets.add(s);
        if (obj.get("specs") instanceof ArrayNode a) a.forEach(n -> {
            if (n instanceof ObjectNode o) targets.add(o);
        });
        String where = targets.isEmpty() ? "description" : obj.has("spec") ? "spec.description" : "each specs[].description";
        p.repair(prefix + "metadata.description", "is not a metadata field (the Kubernetes API drops it)",
                "move it to " + where, () -> {
                    JsonNode d = meta.remove("description");
                    if (targets.isEmpty()) obj.set("description", d);
                    for (ObjectNode t : targets) if (!t.has("description")) t.set("description", d.deepCopy());
                });
    }

}
