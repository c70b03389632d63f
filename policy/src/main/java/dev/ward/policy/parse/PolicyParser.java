package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ward.policy.label.Label;
import dev.ward.policy.label.LabelSelector;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.label.LabelSource;
import dev.ward.policy.model.Policy;
import dev.ward.policy.model.PolicyKey;
import dev.ward.policy.model.Rule;
import dev.ward.policy.model.ServiceDefinition;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Parses policy files: one or more YAML (or JSON) documents, each a CiliumNetworkPolicy,
 * CiliumClusterwideNetworkPolicy, NetworkPolicy, Service, a {@code v1 List} of those, or a bare list of Cilium
 * rules. Each document is parsed on its own, so a syntax error or an invalid policy stops only that document.
 *
 * <p>Reading is strict: a document that is not what the schema says is refused, even where its meaning is clear
 * (a field name in the wrong case, a selector whose labels lost one indentation level), because the Kubernetes API
 * would refuse it or drop the field and the cluster would enforce something else than Ward showed. {@link #fix}
 * is the explicit way out: it corrects those forms and returns the corrected text.
 */
public final class PolicyParser {
    private final String defaultNamespace;

    public PolicyParser() {
        this("default");
    }

    /** @param defaultNamespace the namespace of namespaced objects that name none, as {@code kubectl apply} would use */
    public PolicyParser(String defaultNamespace) {
        this.defaultNamespace = defaultNamespace;
    }

    /** Every document of {@code text}, read strictly; a later document redefining an object gets a warning. */
    public List<ParsedDocument> parse(String text, String sourceName) {
        List<ParsedDocument> out = new ArrayList<>();
        for (YamlDocuments.Document doc : YamlDocuments.read(text)) out.addAll(read(doc, sourceName, PolicyReading.STRICT));
        return DuplicateNames.mark(out);
    }

    /**
     * The corrected text and how it reads: each document with a form {@link #parse} refuses but whose meaning is
     * clear is rewritten corrected (its leading comments kept, the rest in Ward's YAML layout); every other
     * document is kept as written. {@code documents} are the original's documents as repaired, with what was
     * repaired; errors that no repair covers remain errors.
     */
    public FixedPolicies fix(String text, String sourceName) {
        StringBuilder fixed = new StringBuilder();
        List<ParsedDocument> out = new ArrayList<>();
        for (YamlDocuments.Document doc : YamlDocuments.read(text)) {
            List<ParsedDocument> docs = read(doc, sourceName, PolicyReading.REPAIR);
            out.addAll(docs);
            boolean repaired = docs.stream().anyMatch(d -> !d.repairs().isEmpty());
            fixed.append(repaired ? CorrectedYaml.write(doc.text(), doc.root()) : doc.text());
        }
        return new FixedPolicies(fixed.toString(), DuplicateNames.mark(out));
    }

    private List<ParsedDocument> read(YamlDocuments.Document doc, String sourceName, PolicyReading reading) {
        String origin = sourceName + "#" + doc.index();
        List<ParsedDocument> out = new ArrayList<>();
        if (doc.error() != null) {
            Problems p = new Problems();
            p.error("", doc.error());
            out.add(result(origin, "document " + doc.index(), null, null, p));
        } else if (doc.root() != null) {
            document(doc.root(), origin, "", new Problems(reading, doc.tree()), out);
        }
        return out;
    }

    private static ParsedDocument result(String origin, String describe, Policy policy, ServiceDefinition service, Problems p) {
        return new ParsedDocument(origin, describe, policy, service, p.errors(), p.warnings(), p.repairs());
    }

    private void document(JsonNode root, String origin, String path, Problems p, List<ParsedDocument> out) {
        if (root instanceof ArrayNode rules) {
            out.add(ruleList(rules, origin, path, p));
            return;
        }
        if (!(root instanceof ObjectNode obj)) {
            p.error(path, "a policy document must be a mapping or a list of rules, not " + Fields.describe(root));
            out.add(result(origin, "document", null, null, p));
            return;
        }
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
                if (p.hasErrors() || !p.repairs().isEmpty()) out.add(result(origin, describe, null, null, p));
                for (int i = 0; i < items.size(); i++) {
                    document(items.get(i), origin + "/items[" + i + "]", f.child("items") + "[" + i + "]", p.item(), out);
                }
            }
            case PolicyKey.CNP, PolicyKey.CCNP -> {
                CiliumPolicyReader.Read r = CiliumPolicyReader.read(obj, path, kind, p, defaultNamespace);
                out.add(r.key() == null ? result(origin, describe, null, null, p) : finish(origin, describe, r.key(), r.rules(), p));
            }
            case PolicyKey.KNP -> out.add(kubernetes(obj, origin, path, describe, p));
            case "Service" -> out.add(service(obj, origin, path, describe, p));
            default -> {
                if (kind.isEmpty()) {
                    p.error(path, "missing apiVersion and kind (expected a CiliumNetworkPolicy, "
                            + "CiliumClusterwideNetworkPolicy, NetworkPolicy, Service, List or a list of Cilium rules)");
                } else {
                    p.error(path.isEmpty() ? "kind" : path + ".kind", "unsupported kind '" + kind + "' (expected CiliumNetworkPolicy, "
                            + "CiliumClusterwideNetworkPolicy, NetworkPolicy, Service or List)");
                }
                out.add(result(origin, describe, null, null, p));
            }
        }
    }

    /** The kind, to choose a reader: a field name in the wrong case is the reader's to refuse or repair. */
    private static String caseInsensitive(ObjectNode obj, String name) {
        if (obj.has(name)) return obj.get(name).asText("");
        for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (f.equalsIgnoreCase(name)) return obj.get(f).asText("");
        }
        return "";
    }

    private static String apiVersion(Fields f) {
        f.take("kind");
        JsonNode v = f.takeValue("apiVersion");
        return v == null ? "" : v.asText();
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

    private static ParsedDocument finish(String origin, String describe, PolicyKey key, List<Rule> rules, Problems p) {
        List<String> warnings = p.warnings().stream().map(PolicyProblem::toString).toList();
        Policy policy = p.hasErrors() ? null : new Policy(key, rules, warnings);
        return result(origin, describe, policy, null, p);
    }

    private ParsedDocument kubernetes(ObjectNode obj, String origin, String path, String describe, Problems p) {
        Fields f = Fields.of(obj, path, p);
        String apiVersion = apiVersion(f);
        if (!apiVersion.equals("networking.k8s.io/v1")) {
            p.error(f.child("apiVersion"), "must be networking.k8s.io/v1 for NetworkPolicy, not '" + apiVersion + "'");
        }
        ObjectMeta meta = ObjectMeta.read(f, p, false, defaultNamespace);
        JsonNode spec = f.take("spec");
        f.ignore("status");
        f.rejectUnknown();
        if (meta == null) return result(origin, describe, null, null, p);
        PolicyKey key = new PolicyKey(PolicyKey.KNP, meta.namespace(), meta.name());
        List<Rule> rules = new ArrayList<>();
        if (spec == null || spec.isNull()) {
            p.error(f.child("spec"), "is required");
        } else {
            Rule r = NetworkPolicyReader.read(spec, f.child("spec"), key, p);
            if (r != null) rules.add(r);
        }
        return finish(origin, describe, key, rules, p);
    }

    /** A Service, for the selectors of toServices: only its name, labels and pod selector matter here. */
    private ParsedDocument service(ObjectNode obj, String origin, String path, String describe, Problems p) {
        Fields f = Fields.of(obj, path, p);
        String apiVersion = apiVersion(f);
        if (!apiVersion.equals("v1")) p.error(f.child("apiVersion"), "must be v1 for Service, not '" + apiVersion + "'");
        JsonNode metaNode = obj.get("metadata");
        List<Label> labels = new ArrayList<>();
        if (metaNode instanceof ObjectNode mo && mo.get("labels") instanceof ObjectNode lo) {
            // toServices selects Services by these labels: a value YAML turned into a number is as wrong here.
            for (var e : new ArrayList<>(lo.properties())) {
                String v = Values.string(e.getValue(), f.child("metadata.labels." + e.getKey()), p);
                if (v != null) labels.add(Label.k8s(e.getKey(), v));
            }
        }
        ObjectMeta meta = ObjectMeta.read(f, p, false, defaultNamespace);
        JsonNode spec = f.take("spec");
        f.ignore("status");
        f.rejectUnknown();
        LabelSelector podSelector = null;
        if (spec instanceof ObjectNode so && so.get("selector") instanceof ObjectNode sel) {
            ObjectNode wrapped = so.objectNode();
            wrapped.set("matchLabels", sel);
            podSelector = SelectorReader.read(wrapped, f.child("spec.selector"), p, LabelSource.K8S);
        }
        if (p.hasErrors() || meta == null) return result(origin, describe, null, null, p);
        return result(origin, describe, null, new ServiceDefinition(meta.namespace(), meta.name(), LabelSet.of(labels), podSelector), p);
    }
}
