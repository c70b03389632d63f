package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Set;
import java.util.regex.Pattern;

/** A Kubernetes object's {@code metadata}: its name and namespace, checked as the API server checks them. */
record ObjectMeta(String name, String namespace) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final Set<String> FIELDS = Set.of("name", "namespace", "labels", "annotations", "uid",
            "resourceVersion", "generation", "creationTimestamp", "managedFields", "ownerReferences", "finalizers",
            "generateName", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink");

    /**
     * @param defaultNamespace the namespace of a namespaced object that names none
     * @return null (with errors) when the metadata has no valid name
     */
    static ObjectMeta read(Fields f, Problems p, boolean clusterwide, String defaultNamespace) {
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
        for (String known : FIELDS) if (mf.has(known)) mf.ignore(known);
        mf.rejectUnknown();
        return name == null ? null : new ObjectMeta(name, ns);
    }
}
