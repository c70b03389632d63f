package dev.ward.keyd.attest;

import dev.ward.keyd.NodeRecord;
import dev.ward.trust.k8s.WardKubernetes;
import dev.ward.pki.ClusterTrust;
import dev.ward.pki.NodeCsr;
import dev.ward.pki.NodeCsrInspector;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides a Kubernetes CertificateSigningRequest for Ward's signer. The facts come from the API server, not the
 * requester: {@code spec.username} and {@code spec.extra} are set from the authenticated token. A node SVID is
 * signed only for Ward's agent ServiceAccount, with a node-bound token, for the node that token is bound to, and
 * only if that Node exists and is not revoked; a renewal proof, if attached, must verify too.
 */
public final class KubernetesCsrAttestor {
    // What a node SVID may be used for; anything else (e.g. "cert sign") is a request for more than an SVID.
    private static final Set<String> ALLOWED_USAGES = Set.of("digital signature", "key encipherment", "client auth", "server auth");

    /** The CSR as the API server stored it. */
    public record Request(String username, Map<String, List<String>> extra, List<String> usages, String csrPem,
                          String renewalChainPem, String renewalSignature) {}

    /** What the attestor asks of the cluster. */
    public interface Cluster {
        boolean nodeExists(String node);

        Optional<NodeRecord> record(String node);

        ClusterTrust trust();
    }

    private final NodeCsrInspector inspector;
    private final String agentUsername;
    private final RenewalAttestor renewals;

    public KubernetesCsrAttestor(NodeCsrInspector inspector, String namespace, RenewalAttestor renewals) {
        this.inspector = inspector;
        this.agentUsername = WardKubernetes.agentUsername(namespace);
        this.renewals = renewals;
    }

    public Verdict decide(Request r, Cluster cluster) {
        if (!agentUsername.equals(r.username())) {
            return Verdict.deny("NotWardAgent", "requested by \"" + r.username() + "\"; only " + agentUsername + " may request node SVIDs");
        }
        List<String> bound = r.extra() == null ? null : r.extra().get(WardKubernetes.NODE_NAME_EXTRA);
        if (bound == null || bound.size() != 1 || bound.getFirst().isBlank()) {
            return Verdict.deny("NoNodeBinding", "the request was not made with a node-bound ServiceAccount token (no "
                    + WardKubernetes.NODE_NAME_EXTRA + " in the requester's extra info)");
        }
        if (r.usages() != null) {
            List<String> forbidden = r.usages().stream().filter(u -> !ALLOWED_USAGES.contains(u)).toList();
            if (!forbidden.isEmpty()) return Verdict.deny("ForbiddenUsage", "the request asks for usages " + forbidden + ", which node SVIDs do not have");
        }
        Verdict inspected = Attestations.inspect(inspector, r.csrPem());
        if (!(inspected instanceof Verdict.Approve(NodeCsr csr))) return inspected;
        String boundNode = bound.getFirst();
        if (!csr.node().equals(boundNode)) {
            return Verdict.deny("NodeMismatch", "the CSR asks for node " + csr.node() + " but the requester's token is bound to node " + boundNode);
        }
        if (!cluster.nodeExists(boundNode)) {
            return Verdict.deny("UnknownNode", "Node " + boundNode + " does not exist in the cluster");
        }
        Optional<NodeRecord> record = cluster.record(boundNode);
        Optional<Verdict.Deny> revoked = Attestations.revoked(record);
        if (revoked.isPresent()) return revoked.get();
        if (r.renewalChainPem() != null || r.renewalSignature() != null) {
            return renewals.decide(csr, r.renewalChainPem(), r.renewalSignature(), cluster.trust(), record);
        }
        return inspected;
    }
}
