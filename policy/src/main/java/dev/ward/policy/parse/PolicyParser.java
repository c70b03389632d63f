package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ward.policy.label.LabelSelector;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.label.LabelSource;
import dev.ward.policy.label.Label;
import dev.ward.policy.model.Policy;
import dev.ward.policy.model.PolicyKey;
import dev.ward.policy.model.Rule;
import dev.ward.policy.model.ServiceDefinition;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses policy files: one or more YAML (or JSON) documents, each a CiliumNetworkPolicy,
 * CiliumClusterwideNetworkPolicy, NetworkPolicy, Service, a {@code v1 List} of those, or a bare list of Cilium
 * rules. Each document is parsed on its own, so a syntax error or an invalid policy stops only that document.
 */
public final class PolicyParser {
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final Set<String> OBJECT_META = Set.of("name", "namespace", "labels", "annotations", "uid",
            "resourceVersion", "generation", "creationTimestamp", "managedFields", "ownerReferences", "finalizers",
            "generateName", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink");
    private static final List<String> RULE_FIELDS = List.of("endpointSelector", "nodeSelector", "ingress",
            "ingressDeny", "egress", "egressDeny", "enableDefaultDeny", "labels");

    private final String defaultNamespace;

    public PolicyParser() {
        this("default");
    }

    /** @param defaultNamespace the namespace of namespaced objects that name none, as {@code kubectl apply} would use */
    public PolicyParser(String defaultNamespace) {
        this.defaultNamespace = defaultNamespace;
    }

    public List<ParsedDocument> parse(String text, String sourceName) {
        List<ParsedDocument> out = new ArrayList<>();
        for (YamlDocuments.Document doc : YamlDocuments.read(text)) {
            String origin = sourceName + "#" + doc.index();
            if (doc.error() != null) {
                Problems p = new Problems();
                p.error("", doc.error());
                out.add(new ParsedDocument(origin, "document " + doc.index(), null, null, p.errors(), p.warnings()));
            } else if (doc.root() != null) {
                document(doc.root(), origin, "", out);
            }
        }
        return out;
    }

    private void document(JsonNode root, String origin, String path, List<ParsedDocument> out) {
        Problems p = new Problems();
        if (root instanceof ArrayNode rules) {
            out.add(ruleList(rules, origin, path, p));
            return;
        }
        if (!(root instanceof ObjectNode obj)) {
            p.error(path, "a policy document must be a mapping or a list of rules, not " + Fields.describe(root));
            out.add(new ParsedDocument(origin, "document", null, null, p.errors(), p.warnings()));
            return;
        }
        String apiVersion = caseInsensitive(obj, "apiVersion");
        String kind = caseInsensitive(obj, "kind");
        String describe = kind.isEmpty() ? "document" : kind + " " + obj.path("metadata").path("name").asText("?");
        switch (kind) {
            case "List" -> {
                Fields f = Fields.of(obj, path, p);
                f.ignore("apiVersion");
                f.ignore("kind");
                f.ignore("metadata");
                List<JsonNode> items = Values.list(f.take("items"), f.child("items"), p, true);
                f.rejectUnknown();
                if (p.hasErrors()) {
                    out.add(new ParsedDocument(origin, describe, null, null, p.errors(), p.warnings()));
                }
                for (int i = 0; i < items.size(); i++) {
                    document(items.get(i), origin + "/items[" + i + "]", f.child("items") + "[" + i + "]", out);
                }
            }
            case PolicyKey.CNP, PolicyKey.CCNP -> out.add(cilium(obj, origin, path, kind, apiVersion, describe, p));
            case PolicyKey.KNP -> out.add(kubernetes(obj, origin, path, apiVersion, describe, p));
            case "Service" -> out.add(service(obj, origin, path, apiVersion, describe, p));
            default -> {
                if (kind.isEmpty()) {
                    p.error(path, "missing apiVersion and kind (expected a CiliumNetworkPolicy, "
                            + "CiliumClusterwideNetworkPolicy, NetworkPolicy, Service, List or a list of Cilium rules)");
                } else {
                    p.error(path.isEmpty() ? "kind" : path + ".kind", "unsupported kind '" + kind + "' (expected CiliumNetworkPolicy, "
                            + "CiliumClusterwideNetworkPolicy, NetworkPolicy, Service or List)");
                }
                out.add(new ParsedDocument(origin, describe, null, null, p.errors(), p.warnings()));
            }
        }
    }

    /** A top-level string field, matched exactly or else ignoring case (the strict readers warn about the latter). */
    private static String caseInsensitive(ObjectNode obj, String name) {
        if (obj.has(name)) return obj.get(name).asText("");
        for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (f.equalsIgnoreCase(name)) return obj.get(f).asText("");
        }
        return "";
    }

    private ParsedDocument ruleList(ArrayNode rules, String origin, String path, Problems p) {
        PolicyKey key = new PolicyKey(PolicyKey.RULES, "", origin);
        CiliumRuleReader reader = new CiliumRuleReader(key, NamespaceScope.none(), p);
        List<Rule> out = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            Rule r = reader.read(rules.get(i), path + "[" + i + "]");
            if (r != null) out.add(r);
        }
        if (rules.isEmpty()) p.error(path, "the rule list is empty");
        return finish(origin, "rule list", key, out, p);
    }

    private ParsedDocument finish(String origin, String describe, PolicyKey key, List<Rule> rules, Problems p) {
        List<String> warnings = p.warnings().stream().map(PolicyProblem::toString).toList();
        Policy policy = p.hasErrors() ? null : new Policy(key, rules, warnings);
        return new ParsedDocument(origin, describe, policy, null, p.errors(), p.warnings());
    }

    private ParsedDocument cilium(ObjectNode obj, String origin, String path, String kind, String apiVersion,
                                  String describe, Problems p) {
        repairFlattenedTopLevel(obj, path, p);
        Fields f = Fields.of(obj, path, p);
        f.ignore("apiVersion");
        f.ignore("kind");
        if (apiVersion.equals("cilium.io/v1")) {
            p.warn(f.child("apiVersion"), "cilium.io/v1 is long retired; read as cilium.io/v2 (same rule format)");
        } else if (!apiVersion.equals("cilium.io/v2")) {
            p.error(f.child("apiVersion"), "must be cilium.io/v2 for " + kind + ", not '" + apiVersion + "'");
        }
        boolean clusterwide = kind.equals(PolicyKey.CCNP);
        Meta meta = metadata(f, p, clusterwide);
        String legacyDescription = null;
        JsonNode desc = f.takeValue("description");
        if (desc != null) legacyDescription = Values.string(desc, f.child("description"), p);
        f.ignore("status");
        JsonNode spec = f.take("spec");
        JsonNode specs = f.take("specs");
        f.rejectUnknown();
        if (meta == null) return new ParsedDocument(origin, describe, null, null, p.errors(), p.warnings());
        PolicyKey key = new PolicyKey(kind, clusterwide ? "" : meta.namespace, meta.name);
        NamespaceScope scope = clusterwide ? NamespaceScope.clusterwide() : NamespaceScope.namespaced(meta.namespace);
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
        String d = legacyDescription != null ? legacyDescription : meta.description;
        if (d != null && !rules.isEmpty()) {
            List<Rule> withDesc = new ArrayList<>();
            for (Rule r : rules) {
                withDesc.add(r.description().isEmpty()
                        ? new Rule(r.subject(), r.peerRules(), r.enforcesIngress(), r.enforcesEgress(), d, r.ref()) : r);
            }
            rules = withDesc;
        }
        return finish(origin, describe, key, rules, p);
    }

    /**
     * Blog posts that lost one indentation level print {@code metadata:} empty with {@code name:} beside it, and
     * a one-entry {@code specs} whose {@code ingress} ended up at the top. Those have one possible meaning; read
     * them so, and say so.
     */
    private static void repairFlattenedTopLevel(ObjectNode obj, String path, Problems p) {
        String prefix = path.isEmpty() ? "" : path + ".";
        if (obj.has("metadata") && obj.get("metadata").isNull() && (obj.has("name") || obj.has("namespace"))) {
            ObjectNode meta = obj.objectNode();
            for (String k : List.of("name", "namespace")) {
                if (obj.has(k)) meta.set(k, obj.remove(k));
            }
            obj.set("metadata", meta);
            p.warn(prefix + "metadata", "is empty and followed by " + meta.properties().stream().map(Map.Entry::getKey).toList()
                    + " at the same indentation; read them as metadata");
        }
        List<String> stray = new ArrayList<>();
        for (String k : RULE_FIELDS) if (obj.has(k)) stray.add(k);
        if (stray.isEmpty()) return;
        ObjectNode target = null;
        String targetPath = null;
        if (obj.get("specs") instanceof ArrayNode specs && specs.size() == 1 && specs.get(0) instanceof ObjectNode s0
                && !obj.has("spec")) {
            target = s0;
            targetPath = prefix + "specs[0]";
        } else if (obj.has("spec") && obj.get("spec") instanceof ObjectNode s) {
            target = s;
            targetPath = prefix + "spec";
        } else if (obj.has("spec") && obj.get("spec").isNull()) {
            target = obj.objectNode();
            obj.set("spec", target);
            targetPath = prefix + "spec";
        }
        if (target == null) return;
        for (String k : stray) {
            if (target.has(k)) return;
        }
        for (String k : stray) target.set(k, obj.remove(k));
        p.warn(targetPath, "fields " + stray + " appear at the top level of the document; read them as part of " + targetPath);
    }

    private record Meta(String name, String namespace, String description) {}

    private Meta metadata(Fields f, Problems p, boolean clusterwide) {
        JsonNode m = f.take("metadata");
        if (m == null || m.isNull()) {
            p.error(f.child("metadata"), "is required (with a name)");
            return null;
        }
        Fields mf = Fields.of(m, f.child("metadata"), p);
        if (mf == null) return null;
        String name = null;
        JsonNode nameNode = mf.takeValue("name");
        if (nameNode == null) p.error(mf.child("name"), "is required");
        else {
            name = Values.string(nameNode, mf.child("name"), p);
            if (name != null && !NAME.matcher(name).matches()) {
                p.error(mf.child("name"), "'" + name + "' is not a valid object name (lower case letters, digits, '-' and '.')");
                name = null;
            }
        }
        String ns = defaultNamespace;
        JsonNode nsNode = mf.takeValue("namespace");
        if (nsNode != null) {
            String s = Values.string(nsNode, mf.child("namespace"), p);
            if (s != null) {
                if (clusterwide) p.warn(mf.child("namespace"), "is ignored: the policy is cluster-wide");
                else if (!NAME.matcher(s).matches() || s.contains(".")) {
                    p.error(mf.child("namespace"), "'" + s + "' is not a valid namespace name");
                } else ns = s;
            }
        }
        String description = null;
        JsonNode descNode = mf.takeValue("description");
        if (descNode != null) {
            description = descNode.asText();
            p.warn(mf.child("description"), "is not a metadata field; read as the policy's description (put it in spec.description)");
        }
        for (String known : OBJECT_META) if (mf.has(known)) mf.ignore(known);
        mf.rejectUnknown();
        return name == null ? null : new Meta(name, ns, description);
    }

    private ParsedDocument kubernetes(ObjectNode obj, String origin, String path, String apiVersion, String describe,
                                      Problems p) {
        Fields f = Fields.of(obj, path, p);
        f.ignore("apiVersion");
        f.ignore("kind");
        if (!apiVersion.equals("networking.k8s.io/v1")) {
            p.error(f.child("apiVersion"), "must be networking.k8s.io/v1 for NetworkPolicy, not '" + apiVersion + "'");
        }
        Meta meta = metadata(f, p, false);
        JsonNode spec = f.take("spec");
        f.ignore("status");
        f.rejectUnknown();
        if (meta == null) return new ParsedDocument(origin, describe, null, null, p.errors(), p.warnings());
        PolicyKey key = new PolicyKey(PolicyKey.KNP, meta.namespace, meta.name);
        List<Rule> rules = new ArrayList<>();
        if (spec == null || spec.isNull()) {
            p.error(f.child("spec"), "is required");
        } else {
            Rule r = NetworkPolicyReader.read(spec, f.child("spec"), key, p);
            if (r != null) rules.add(r);
        }
        return finish(origin, describe, key, rules, p);
    }

    private ParsedDocument service(ObjectNode obj, String origin, String path, String apiVersion, String describe,
                                   Problems p) {
        Fields f = Fields.of(obj, path, p);
        f.ignore("apiVersion");
        f.ignore("kind");
        if (!apiVersion.equals("v1")) p.error(f.child("apiVersion"), "must be v1 for Service, not '" + apiVersion + "'");
        JsonNode metaNode = obj.get("metadata");
        List<Label> labels = new ArrayList<>();
        if (metaNode instanceof ObjectNode mo && mo.get("labels") instanceof ObjectNode lo) {
            lo.properties().forEach(e -> labels.add(Label.k8s(e.getKey(), e.getValue().asText())));
        }
        Meta meta = metadata(f, p, false);
        JsonNode spec = f.take("spec");
        f.ignore("status");
        f.rejectUnknown();
        LabelSelector podSelector = null;
        if (spec instanceof ObjectNode so) {
            if (so.get("selector") instanceof ObjectNode sel) {
                ObjectNode wrapped = so.objectNode();
                wrapped.set("matchLabels", sel);
                podSelector = SelectorReader.read(wrapped, f.child("spec.selector"), p, LabelSource.K8S);
            }
        }
        if (p.hasErrors() || meta == null) {
            return new ParsedDocument(origin, describe, null, null, p.errors(), p.warnings());
        }
        ServiceDefinition svc = new ServiceDefinition(meta.namespace, meta.name, LabelSet.of(labels), podSelector);
        return new ParsedDocument(origin, describe, null, svc, p.errors(), p.warnings());
    }
}
