package dev.ward.policy.identity;

import dev.ward.policy.label.Label;
import dev.ward.policy.label.LabelSet;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps only the labels that define who a workload is. Labels that differ between replicas of the same workload
 * (pod-template-hash, statefulset pod names, ...) would give every pod its own identity and defeat caching and
 * sharing; Kubernetes-internal labels say nothing policy can use. The default prefixes follow Cilium's, so
 * identities mean the same thing to users who know Cilium: include all reserved labels, the pod namespace, the
 * namespace labels, app.kubernetes.io and the cluster name; drop other io.kubernetes / kubernetes.io / k8s.io
 * labels and the known per-replica ones. When an include and an ignore prefix both match, the longer match wins.
 */
public final class IdentityLabelFilter {
    private record Prefix(String source, Pattern regex, boolean ignore) {
        /** The matched length at the start of the key, or -1. */
        int match(Label l) {
            if (source != null && !source.equals(l.source())) return -1;
            Matcher m = regex.matcher(l.key());
            return m.lookingAt() ? m.end() : -1;
        }
    }

    public static final IdentityLabelFilter DEFAULT = new IdentityLabelFilter(List.of(
            new Prefix("reserved", Pattern.compile(".*"), false),
            include("io.kubernetes.pod.namespace"),
            include("io.cilium.k8s.namespace.labels"),
            include("app.kubernetes.io"),
            include("io.cilium.k8s.policy.cluster"),
            include("io.cilium.k8s.policy.serviceaccount"),
            ignoreRegex("io\\.kubernetes"),
            ignoreRegex("kubernetes\\.io"),
            ignore("statefulset.kubernetes.io/pod-name"),
            ignore("apps.kubernetes.io/pod-index"),
            ignore("batch.kubernetes.io/job-completion-index"),
            ignoreRegex(".*beta\\.kubernetes\\.io"),
            ignoreRegex("k8s\\.io"),
            ignore("pod-template-generation"),
            ignore("pod-template-hash"),
            ignore("controller-revision-hash"),
            ignoreRegex("annotation.*"),
            ignore("etcd_node")));

    private final List<Prefix> prefixes;

    private IdentityLabelFilter(List<Prefix> prefixes) {
        this.prefixes = prefixes;
    }

    private static Prefix include(String literal) {
        return new Prefix(null, Pattern.compile(Pattern.quote(literal)), false);
    }

    private static Prefix ignore(String literal) {
        return new Prefix(null, Pattern.compile(Pattern.quote(literal)), true);
    }

    private static Prefix ignoreRegex(String regex) {
        return new Prefix(null, Pattern.compile(regex), true);
    }

    public boolean relevant(Label l) {
        int included = 0;
        int ignored = 0;
        for (Prefix p : prefixes) {
            int len = p.match(l);
            if (len < 0) continue;
            if (p.ignore) {
                if (ignored == 0 || len < ignored) ignored = len;
            } else if (len > included) {
                included = len;
            }
        }
        // No include prefix is a catch-all, so an unmatched label (app=web) counts unless an ignore prefix hit it.
        return ignored == 0 || included > ignored;
    }

    public LabelSet filter(LabelSet labels) {
        return labels.filter(this::relevant);
    }
}
