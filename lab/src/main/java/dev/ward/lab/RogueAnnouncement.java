package dev.ward.lab;

import dev.ward.agent.encryption.Cidr;
import dev.ward.agent.encryption.EpochPublicKey;
import dev.ward.agent.encryption.NodeAnnouncement;
import dev.ward.agent.encryption.SignedNodeAnnouncement;
import dev.ward.agent.encryption.X25519;
import dev.ward.pki.CertificateAuthority;
import dev.ward.pki.KeyAlgorithm;
import dev.ward.pki.NodeCsr;
import dev.ward.pki.NodeCsrs;
import dev.ward.pki.NodeIdentity;
import dev.ward.pki.SvidIssuer;
import dev.ward.pki.TrustDomains;

import java.io.IOException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A never-attested node's bid to join: an announcement in the cluster's store that looks right in every field
 * (name, underlay address, pod CIDR, X25519 key) and is signed, but with an SVID from a CA the attacker made up
 * (self-signed, same trust domain, not in the cluster's bundle). Agents must reject it and program nothing.
 */
public record RogueAnnouncement(SignedNodeAnnouncement signed, X509Certificate rogueCa) {
    public static RogueAnnouncement publish(LabCluster cluster, LabNetwork.Node rogue) throws IOException {
        Instant now = Instant.now();
        CertificateAuthority madeUp = CertificateAuthority.generate(TrustDomains.parse("cluster.local"), KeyAlgorithm.EC_P256, Duration.ofDays(1), now);
        KeyPair svidKeys = KeyAlgorithm.EC_P256.generate();
        NodeIdentity identity = NodeIdentity.of("cluster.local", rogue.name());
        NodeCsr csr = new NodeCsr(identity, svidKeys.getPublic(), NodeCsrs.create(svidKeys, identity).getEncoded());
        X509Certificate svid = SvidIssuer.issue(madeUp, csr, Duration.ofHours(1), now);
        byte[] x25519 = X25519.rawPublicKey(X25519.generateKeyPair().getPublic());
        NodeAnnouncement a = new NodeAnnouncement(rogue.name(), List.of(rogue.underlayIp()), List.of(Cidr.parse(rogue.podCidr().toString())),
                new EpochPublicKey(1, x25519), 1, List.of(), List.of());
        SignedNodeAnnouncement signed = SignedNodeAnnouncement.sign(a, List.of(svid, madeUp.certificate()), svidKeys.getPrivate());
        cluster.encryptionStore().publish(signed);
        return new RogueAnnouncement(signed, madeUp.certificate());
    }

    public String describe() {
        return "forged announcement published in the store: " + signed.announcement().node() + " underlay " + signed.announcement().underlay()
                + " pods " + signed.announcement().podCidrs() + ", signed with an SVID from a self-signed CA outside the bundle ("
                + rogueCa.getSubjectX500Principal().getName() + ")";
    }
}
