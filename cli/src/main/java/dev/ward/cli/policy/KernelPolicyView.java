package dev.ward.cli.policy;

import dev.ward.agentapi.DatapathInfo;
import dev.ward.agentapi.EndpointPolicy;
import dev.ward.cli.OutputOption;
import dev.ward.policy.identity.IdentityNumbers;

import java.io.PrintWriter;
import java.util.List;

/**
 * {@code wardctl policy get --endpoint}: an endpoint's policy map as its node's kernel holds it, read back through the
 * agent. Rows the agent's table does not have are marked STALE, and rows it has that the kernel lacks are listed
 * after as MISSING: the two views side by side, the kernel's first.
 */
final class KernelPolicyView {
    private KernelPolicyView() {}

    static void print(PrintWriter w, EndpointPolicy p, boolean json) {
        if (json) {
            w.println(OutputOption.toJson(p));
            return;
        }
        DatapathInfo d = p.datapath();
        w.println("endpoint " + p.endpoint() + ": datapath endpoint " + d.endpointId() + " on " + d.veth() + "(" + d.ifindex() + "), identity "
                + IdentityNumbers.describe(d.identity()) + ", policy map " + d.policyEntries() + "/" + d.policyCapacity() + " entries (read from the kernel)");
        w.println("ingress: " + direction(d.ingressEnforced(), d.lockedDirections().contains("ingress"), p.agentIngressEnforced()));
        w.println("egress:  " + direction(d.egressEnforced(), d.lockedDirections().contains("egress"), p.agentEgressEnforced()));
        OutputOption.Table t = new OutputOption.Table("DIRECTION", "REMOTE", "LABELS", "PROTO", "PORTS", "VERDICT", "RULES", "KERNEL");
        rows(t, p.entries(), false);
        rows(t, p.missing(), true);
        w.print(t.render());
        long stale = p.entries().stream().filter(EndpointPolicy.Entry::stale).count();
        w.println(p.matchesAgent() ? "the kernel holds exactly the agent's table"
                : "the kernel differs from the agent's table: " + stale + " stale, " + p.missing().size() + " missing"
                + " (the agent's periodic reconcile repairs this; a change in flight can show for a moment)");
    }

    /** Labels without the namespace's own labels, which every pod of the namespace shares. */
    private static String brief(String labels) {
        if (labels == null) return null;
        return String.join(",", java.util.Arrays.stream(labels.split(",")).filter(l -> !l.startsWith("k8s:io.cilium.k8s.namespace.labels.")).toList());
    }

    private static String direction(boolean enforced, boolean locked, Boolean agent) {
        String kernel = locked ? "FAILED CLOSED (every packet dropped)" : enforced ? "default deny" : "default allow";
        if (agent == null || agent == enforced) return kernel;
        return kernel + " (the agent's table: default " + (agent ? "deny" : "allow") + ")";
    }

    private static void rows(OutputOption.Table t, List<EndpointPolicy.Entry> entries, boolean missing) {
        for (EndpointPolicy.Entry e : entries) {
            String verdict = e.verdict() + (e.proxyPort() != 0 ? ":" + e.proxyPort() : "");
            String rules = e.rules().isEmpty() ? "cookie " + e.cookie() : String.join("; ", e.rules());
            t.row(e.direction(), IdentityNumbers.describe(e.remoteIdentity()), e.remoteIdentity() == IdentityNumbers.ANY ? "*" : brief(e.remoteLabels()),
                    e.protocol(), e.ports(), verdict, rules, missing ? "MISSING" : e.stale() ? "STALE" : "held");
        }
    }
}
